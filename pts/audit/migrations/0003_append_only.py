from django.db import migrations

from pts.core import appendonly

TABLE = "audit_auditevent"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [appendonly.POSTGRES_FUNCTION] if vendor == "postgresql" else []
    with schema_editor.connection.cursor() as cursor:
        for sql in statements + appendonly.guard_sql(vendor, TABLE):
            cursor.execute(sql)


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in appendonly.unguard_sql(schema_editor.connection.vendor, TABLE):
            cursor.execute(sql)


class Migration(migrations.Migration):
    """Audit rows are never updated or deleted: the database refuses it (pts.core.appendonly)."""

    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(install, uninstall)]
