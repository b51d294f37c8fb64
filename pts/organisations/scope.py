"""Per-unit isolation, in one place.

Every view and API that lists or fetches unit-owned rows goes through `visible(user, qs)` or
`editable(user, qs)`; nothing else decides who sees what. A queryset is scoped through its
model's `scope_path` attribute: the lookup from the model to its unit's `path`
(e.g. "unit__path" on a ledger movement, "path" on Org itself).

- administrator (superuser): everything.
- coordinator of X: sees and changes everything at or below X.
- executive of X: sees everything at or below X, changes nothing.
- officer of X: sees and changes X and what is below it (a unit's own figures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from pts.organisations.models import Membership, Org, Role

if TYPE_CHECKING:
    from pts.organisations.models import User

M = TypeVar("M", bound=Model)

READ_ROLES = (Role.OFFICER, Role.COORDINATOR, Role.EXECUTIVE)
WRITE_ROLES = (Role.OFFICER, Role.COORDINATOR)


def _roots(user: Any, roles: tuple[str, ...]) -> list[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = getattr(user, "_pts_scope_cache", None)
    if cache is None:
        cache = list(Membership.objects.filter(user=user).values_list("role", "org__path"))
        user._pts_scope_cache = cache
    return [path for role, path in cache if role in roles]


def _condition(lookup: str, paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{lookup}__startswith": path})
    return condition


def _scope(user: Any, qs: QuerySet[M], roles: tuple[str, ...]) -> QuerySet[M]:
    if getattr(user, "is_superuser", False) and user.is_active:
        return qs
    lookup = getattr(qs.model, "scope_path", None)
    if lookup is None:
        raise TypeError(f"{qs.model.__name__} has no scope_path: it cannot be scoped")
    return qs.filter(_condition(lookup, _roots(user, roles)))


def visible(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """The rows of `qs` the user may read."""
    return _scope(user, qs, READ_ROLES)


def editable(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """The rows of `qs` the user may change."""
    return _scope(user, qs, WRITE_ROLES)


def coordinated(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """The rows of `qs` under the user's coordination (coordinator or administrator)."""
    return _scope(user, qs, (Role.COORDINATOR,))


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" -> ["/1/", "/1/5/", "/1/5/9/"]: the organisation's path and those above it."""
    parts = path.strip("/").split("/")
    return [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts) + 1)]


def _reaching(user: Any, qs: QuerySet[M], roles: tuple[str, ...], only: Q) -> QuerySet[M]:
    if getattr(user, "is_superuser", False) and user.is_active:
        return qs
    lookup = getattr(qs.model, "scope_path", None)
    if lookup is None:
        raise TypeError(f"{qs.model.__name__} has no scope_path: it cannot be scoped")
    roots = _roots(user, roles)
    if not roots:
        return qs.none()
    above = sorted({p for root in roots for p in ancestor_paths(root)})
    org = lookup.removesuffix("path")  # "unit__path" -> "unit__"
    no_org = Q(**{f"{org}isnull": True}) if org else Q(pk__in=[])
    return qs.filter(_condition(lookup, roots) | (only & (no_org | Q(**{f"{lookup}__in": above}))))


def coordinated_or_reaching(user: Any, qs: QuerySet[M], *, only: Q | None = None) -> QuerySet[M]:
    """What `coordinated` gives, plus the rows matching `only` (default: flagged `reaches_down`)
    that bear on the user's subtrees: those of an organisation at or above one they coordinate,
    and those of no organisation (they bear on everyone). For changes to shared settings."""
    return _reaching(user, qs, (Role.COORDINATOR,), Q(reaches_down=True) if only is None else only)


def visible_or_reaching(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """What `visible` gives, plus the rows of an organisation at or above one the user's roles are
    on, and those of no organisation: settings that apply to everything below their owner."""
    return _reaching(user, qs, READ_ROLES, Q())


def coordinator_orgs(user: Any) -> QuerySet[Org]:
    """The organisations the user holds the coordinator role on (every root for an administrator)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Org.objects.filter(parent__isnull=True)
    return Org.objects.filter(path__in=_roots(user, (Role.COORDINATOR,)))


def get_visible(user: Any, qs: QuerySet[M], **lookup: Any) -> M:
    """One row the user may read, or 404 (never 403: an outsider learns nothing of existence)."""
    try:
        return visible(user, qs).get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_editable(user: Any, qs: QuerySet[M], **lookup: Any) -> M:
    try:
        return editable(user, qs).get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_coordinated(user: Any, qs: QuerySet[M], **lookup: Any) -> M:
    try:
        return coordinated(user, qs).get(**lookup)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def visible_orgs(user: User) -> QuerySet[Org]:
    return visible(user, Org.objects.all())


def visible_tops(user: Any) -> QuerySet[Org]:
    """The highest organisations the user sees, where a drill-down through the tree starts: the
    roots for an administrator, else the organisations of their roles not below another of them."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Org.objects.filter(parent__isnull=True)
    paths = sorted(set(_roots(user, READ_ROLES)))
    tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    return visible(user, Org.objects.filter(path__in=tops))


def is_coordinator(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or _roots(user, (Role.COORDINATOR,)))


def can_edit_unit(user: Any, unit: Org) -> bool:
    return editable(user, Org.objects.filter(pk=unit.pk)).exists()


def can_coordinate_unit(user: Any, unit: Org) -> bool:
    return coordinated(user, Org.objects.filter(pk=unit.pk)).exists()
