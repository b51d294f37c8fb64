"""Database constraints shared by the apps' models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def choices_check(field: str, choices: type[models.TextChoices], name: str, *, blank: bool = False) -> models.CheckConstraint:
    """A CHECK that `field` holds one of the TextChoices' values (or "" with `blank`): a status or
    category the code does not know can never be stored, whatever writes the row."""
    values = sorted(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": values}), name=name)
