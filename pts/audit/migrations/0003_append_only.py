from django.db import migrations

from pts.core import appendonly

TABLE = "audit_auditevent"


def install(apps, schema_editor):
    appendonly.guard_table(schema_editor, TABLE)


def uninstall(apps, schema_editor):
    appendonly.unguard_table(schema_editor, TABLE)


class Migration(migrations.Migration):
    """Audit rows are never updated or deleted: the database refuses it (pts.core.appendonly)."""

    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(install, uninstall)]
