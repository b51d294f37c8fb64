from django.db import migrations, models

from pts.core import appendonly

TABLE = "audit_auditevent"


def guard(apps, schema_editor):
    """SQLite adds the column by rebuilding the table, which drops its triggers: put them back."""
    appendonly.guard_table(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only"),
    ]

    # The guard is put back after the table changes, both ways (removing the column rebuilds it too).
    operations = [
        migrations.RunPython(migrations.RunPython.noop, guard),
        migrations.AddField(
            model_name="auditevent",
            name="reaches_down",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(guard, migrations.RunPython.noop),
    ]
