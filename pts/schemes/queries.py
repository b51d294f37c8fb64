"""Reads for schemes, all scoped through pts.organisations.scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from pts.organisations import scope
from pts.organisations.models import Org
from pts.schemes.models import Scheme


def schemes_visible_to(user: Any) -> QuerySet[Scheme]:
    """Schemes run from the user's subtree, and schemes that evaluate a unit the user can see."""
    own = scope.visible(user, Scheme.objects.all())
    evaluating = Scheme.objects.filter(units__in=scope.visible(user, Org.objects.all()))
    return Scheme.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=evaluating.values("pk"))
    ).select_related("fiscal_year", "coordinator_org")


def schemes_coordinated_by(user: Any) -> QuerySet[Scheme]:
    return scope.coordinated(user, Scheme.objects.all())


def can_coordinate_scheme(user: Any, scheme: Scheme) -> bool:
    return scope.coordinated(user, Scheme.objects.filter(pk=scheme.pk)).exists()


def scheme_units_visible(user: Any, scheme: Scheme) -> QuerySet[Org]:
    """The scheme's units the user may see: all of them for its coordinators, their own for an officer."""
    return scope.visible(user, scheme.units.all()).order_by("path")
