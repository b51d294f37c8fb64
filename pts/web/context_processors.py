from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs to draw the menu for the signed-in person."""
    from pts.organisations.scope import is_coordinator

    user = getattr(request, "user", None)
    return {"nav_is_coordinator": bool(user and user.is_authenticated and is_coordinator(user))}
