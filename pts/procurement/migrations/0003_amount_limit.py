"""Amounts within ±40,000,000,000.00 baht (pts.core.money.AMOUNT_LIMIT_SATANG): the model
fields' validators and a CHECK per amount column. Rows already beyond it stay (only new rows are
checked); `pts ledger-check` lists them."""

import pts.core.constraints
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procurement', '0002_holiday_owner_deadline_sets'),
    ]

    operations = [
        migrations.AlterField(
            model_name='instalment',
            name='amount',
            field=models.BigIntegerField(validators=[pts.core.constraints.validate_amount], verbose_name='amount (satang)'),
        ),
        migrations.AlterField(
            model_name='project',
            name='allocated',
            field=models.BigIntegerField(validators=[pts.core.constraints.validate_amount], verbose_name='allocated (satang)'),
        ),
        migrations.AlterField(
            model_name='project',
            name='contract_value',
            field=models.BigIntegerField(blank=True, null=True, validators=[pts.core.constraints.validate_amount], verbose_name='contract value (satang)'),
        ),
        migrations.AlterField(
            model_name='project',
            name='reference_price',
            field=models.BigIntegerField(blank=True, null=True, validators=[pts.core.constraints.validate_amount], verbose_name='reference price (satang)'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='instalment',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gte', -4000000000000), ('amount__lte', 4000000000000)), name='instalment_amount_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='project',
            constraint=models.CheckConstraint(condition=models.Q(('allocated__gte', -4000000000000), ('allocated__lte', 4000000000000)), name='project_allocated_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='project',
            constraint=models.CheckConstraint(condition=models.Q(('reference_price__gte', -4000000000000), ('reference_price__lte', 4000000000000)), name='project_reference_price_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='project',
            constraint=models.CheckConstraint(condition=models.Q(('contract_value__gte', -4000000000000), ('contract_value__lte', 4000000000000)), name='project_contract_value_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
    ]
