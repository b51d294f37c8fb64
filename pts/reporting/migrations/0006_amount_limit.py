"""Amounts within ±40,000,000,000.00 baht (pts.core.money.AMOUNT_LIMIT_SATANG): the model
fields' validators and a CHECK per amount column. Rows already beyond it stay (only new rows are
checked); `pts ledger-check` lists them."""

import pts.core.constraints
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0005_demo_evidence_uploaded_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reportline',
            name='committed',
            field=models.BigIntegerField(default=0, validators=[pts.core.constraints.validate_amount], verbose_name='committed (cumulative)'),
        ),
        migrations.AlterField(
            model_name='reportline',
            name='disbursed',
            field=models.BigIntegerField(default=0, validators=[pts.core.constraints.validate_amount], verbose_name='disbursed (cumulative)'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='reportline',
            constraint=models.CheckConstraint(condition=models.Q(('committed__gte', -4000000000000), ('committed__lte', 4000000000000)), name='report_line_committed_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
        pts.core.constraints.AddAmountConstraint(
            model_name='reportline',
            constraint=models.CheckConstraint(condition=models.Q(('disbursed__gte', -4000000000000), ('disbursed__lte', 4000000000000)), name='report_line_disbursed_within_limit', violation_error_message='จำนวนเงินเกินขีดจำกัด 40,000,000,000.00 บาท / the amount is beyond the limit of 40,000,000,000.00 baht'),
        ),
    ]
