"""Database constraints shared by the apps' models."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import migrations, models
from django.db.models import Q

from pts.core.money import AMOUNT_LIMIT_SATANG, AmountTooLarge, check_amount, format_baht
from pts.core.thai import bilingual


def choices_check(field: str, choices: type[models.TextChoices], name: str, *, blank: bool = False) -> models.CheckConstraint:
    """A CHECK that `field` holds one of the TextChoices' values (or "" with `blank`): a status or
    category the code does not know can never be stored, whatever writes the row."""
    values = sorted(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": values}), name=name)


def validate_amount(value: int | None) -> None:
    """Model-field validator: an amount (satang) within the ceiling (`pts.core.money.check_amount`)."""
    if value is None:
        return
    try:
        check_amount(value)
    except AmountTooLarge as exc:
        raise ValidationError(str(exc), code="max_amount") from exc


def amount_check(field: str, name: str) -> models.CheckConstraint:
    """A CHECK that the amount column `field` stays within ±AMOUNT_LIMIT_SATANG (NULL passes), so
    that no sum of the product's totals can overflow 64 bits, whatever writes the row. Add it with
    `AddAmountConstraint`, which leaves rows written before the limit in place."""
    limit = AMOUNT_LIMIT_SATANG
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": -limit, f"{field}__lte": limit}), name=name,
        violation_error_message=bilingual(
            f"จำนวนเงินเกินขีดจำกัด {format_baht(limit)} บาท", f"the amount is beyond the limit of {format_baht(limit)} baht"
        ),
    )


class AddAmountConstraint(migrations.AddConstraint):
    """AddConstraint for `amount_check` that does not fail on rows already beyond the limit: they
    stay as they are (`pts ledger-check` lists them) and only new rows are checked.

    PostgreSQL: the constraint is added NOT VALID (checked on every insert and update, existing
    rows not scanned). SQLite can add a CHECK only by rebuilding the table; the copy runs with
    `PRAGMA ignore_check_constraints` on. A rebuilt table loses its triggers: the migration must
    install them again after this operation.
    """

    model_name: str  # set by AddConstraint.__init__; django-stubs does not declare them
    constraint: models.CheckConstraint

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        finally:
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
