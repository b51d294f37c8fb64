"""The planner's statistics: refreshed after migrations and on request after a large insert."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_migrate

from pts.core.db import optimize_after_migrate, refresh_statistics
from pts.organisations.models import Org, OrgKind

pytestmark = pytest.mark.django_db


def stat_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="sqlite_stat1 is SQLite's")
def test_refreshing_a_table_after_a_bulk_insert_gives_the_planner_its_size():
    root = Org.objects.create(code="R", name_th="ราก", kind=OrgKind.PROVINCE, path="/0/")
    Org.objects.bulk_create([Org(code=f"U{n:04d}", name_th=f"หน่วย {n}", kind=OrgKind.AGENCY, parent=root,
                                 path=f"/0/{n}/", depth=1) for n in range(1, 1201)])
    refresh_statistics([Org])
    sizes = {idx: int(stat.split()[0]) for _tbl, idx, stat in stat_rows("organisations_org")}
    assert sizes and all(500 <= n <= 2500 for n in sizes.values())  # approximate (bounded reads): about 1,201


def test_a_table_name_that_is_not_a_plain_identifier_is_refused():
    with pytest.raises(ValueError):
        refresh_statistics(['organisations_org"; DROP TABLE x; --'])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="sqlite_stat1 is SQLite's")
def test_migrate_refreshes_the_statistics_of_every_table():
    Org.objects.bulk_create([Org(code=f"U{n:03d}", name_th=f"หน่วย {n}", kind=OrgKind.PROVINCE, path=f"/{n}/")
                             for n in range(1, 301)])
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs
    sizes = {int(stat.split()[0]) for _tbl, _idx, stat in stat_rows("organisations_org")}
    assert sizes and min(sizes) >= 300  # every index of the table knows its rows (and whatever else is there)


def test_the_handler_listens_to_the_organisations_app_only():
    from django.apps import apps

    from pts.core import db

    assert db.optimize_after_migrate is optimize_after_migrate
    assert post_migrate.has_listeners(sender=apps.get_app_config("organisations"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class is PostgreSQL's")
def test_on_postgresql_the_tables_given_are_analysed():
    Org.objects.bulk_create([Org(code=f"U{n:03d}", name_th=f"หน่วย {n}", kind=OrgKind.PROVINCE, path=f"/{n}/")
                             for n in range(1, 301)])
    refresh_statistics([Org])
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'organisations_org'")
        assert cursor.fetchone()[0] >= 300
