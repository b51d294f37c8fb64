"""Links to named routes that an app may not serve yet (a page links to a later part of the product)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse


def reverse_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The URL of a named route, or None while the app that serves it does not define it yet."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None
