"""A model's fields as JSON-safe data, for the before/after of an audit row (`pts.audit`) and for
any app that records a change, whatever its layer."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of a model's concrete fields (dates as ISO strings), for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = field.value_from_object(obj)
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "name") and isinstance(field, models.FileField):
            value = value.name or ""
        elif value is not None and not isinstance(value, str | int | bool | list | dict):
            value = str(value)
        data[field.attname if field.is_relation else field.name] = value
    return data
