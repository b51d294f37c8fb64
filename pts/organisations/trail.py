"""Where the audit trail takes part in the organisations' own actions (units, people, roles), though
organisations sits below audit and imports nothing of it.

`pts.audit` registers its writer from `AuditConfig.ready()`; every organisations action then calls
`record(...)` inside its own transaction, so a change and its audit row are written or refused
together. Without the audit app installed the actions refuse to run: no change goes unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def _unrecorded(**_kwargs: Any) -> Any:
    raise ImproperlyConfigured("pts.audit is not installed: organisations actions cannot be recorded")


_WRITER: dict[str, Callable[..., Any]] = {"record": _unrecorded}


def register(writer: Callable[..., Any]) -> None:
    """Set the audit writer (`pts.audit.actions.audit_record`), from an AppConfig.ready()."""
    _WRITER["record"] = writer


def record(**row: Any) -> Any:
    """Write one audit row through the registered writer (see `pts.audit.actions.audit_record`)."""
    return _WRITER["record"](**row)
