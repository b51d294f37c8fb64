"""Shared fixtures: the personas every view is tested with.

alice: officer of unit A; bob: officer of unit B, who must see and change nothing of A's;
carol: coordinator of the province; erin: executive of the province; root: administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pts.organisations.models import Org, OrgKind, Role, User
from tests.factories import make_fiscal_year, make_org, make_user


@dataclass
class World:
    province: Org
    unit_a: Org
    unit_b: Org
    alice: User
    bob: User
    carol: User
    erin: User
    root: User


@pytest.fixture
def world(db) -> World:
    make_fiscal_year(2566)
    province = make_org(kind=OrgKind.PROVINCE, code="PROV-T", name_th="จังหวัดทดสอบ")
    unit_a = make_org(kind=OrgKind.AGENCY, parent=province, code="AG-A", name_th="หน่วยงานเอ")
    unit_b = make_org(kind=OrgKind.AGENCY, parent=province, code="AG-B", name_th="หน่วยงานบี")
    return World(
        province=province,
        unit_a=unit_a,
        unit_b=unit_b,
        alice=make_user(username="alice", role=Role.OFFICER, org=unit_a),
        bob=make_user(username="bob", role=Role.OFFICER, org=unit_b),
        carol=make_user(username="carol", role=Role.COORDINATOR, org=province),
        erin=make_user(username="erin", role=Role.EXECUTIVE, org=province),
        root=make_user(username="root", is_superuser=True),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """argon2 is what production uses; tests only need a hash, and argon2 costs ~0.5 s per persona."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own temporary directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
