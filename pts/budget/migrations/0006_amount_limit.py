"""Amounts within ±40,000,000,000.00 baht (pts.core.money.AMOUNT_LIMIT_SATANG): the model
fields' validators and a CHECK per amount column. Rows already beyond it stay (only new rows are
checked); `pts ledger-check` lists them."""

import pts.core.constraints
from django.db import migrations, models

from pts.budget import rollup
from pts.core import appendonly


def reinstall_triggers(apps, schema_editor):
    """SQLite rebuilt the movements table to add its CHECK, dropping its triggers: put them back."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        rollup.run(rollup.trigger_sql(vendor, batches=False) + appendonly.guard_sql(vendor, rollup.MOVEMENT_TABLE), schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('budget', '0005_ledger_rollup_and_constraints'),
    ]

    operations = [
        migrations.AlterField(
            model_name='movement',
            name='amount',
            field=models.BigIntegerField(validators=[pts.core.constraints.validate_amount], verbose_name='amount (satang)'),
        ),
        migrations.AlterField(
            model_name='reservationform',
            name='amount',
            field=models.BigIntegerField(validators=[pts.core.constraints.validate_amount], verbose_name='amount (satang)'),
        ),
        # undoing the CHECKs rebuilds the table again: the triggers go back last (this runs last)
        migrations.RunPython(migrations.RunPython.noop, reinstall_triggers),
        pts.core.constraints.AddAmountConstraint(
            model_name='movement',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', -4000000000000), ('amount__lte', 4000000000000)), name='movement_amount_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='reservationform',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', -4000000000000), ('amount__lte', 4000000000000)), name='reservation_amount_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
