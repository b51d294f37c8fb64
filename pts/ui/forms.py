"""An action's refusal (a bilingual ValidationError) shown on the form or page that asked for it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_action_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show an action's ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def action_error_text(exc: ValidationError) -> str:
    """An action's ValidationError as one line, for a flash message."""
    return " ".join(exc.messages)
