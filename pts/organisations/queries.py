"""Reads for organisations and people. Every list goes through `scope`; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet

from pts.core.thai import normalize_digits
from pts.organisations import scope
from pts.organisations.models import ALLOWED_PARENTS, Membership, Org, OrgKind, Role, User

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class TreeRow:
    org: Org
    indent: int  # depth below the shallowest organisation shown
    context: bool = False  # shown again above a page that starts inside its subtree


def search_orgs(qs: QuerySet[M], q: str, prefix: str = "") -> QuerySet[M]:
    """Rows whose organisation's code, Thai or English name contains `q` (Thai digits in codes are
    read as ASCII). `prefix`: the lookup from the model to its organisation ("unit__"); "" on Org."""
    q = q.strip()
    if not q:
        return qs
    return qs.filter(Q(**{f"{prefix}code__icontains": normalize_digits(q)}) | Q(**{f"{prefix}name_th__icontains": q})
                     | Q(**{f"{prefix}name_en__icontains": q}))


def org_matches(org: Any, q: str) -> bool:
    """The test of `search_orgs` on an organisation already in memory (a league row's unit)."""
    q = q.strip().casefold()
    if not q:
        return True
    return (normalize_digits(q) in org.code.casefold() or q in org.name_th.casefold()
            or q in (org.name_en or "").casefold())


def org_tree(user: Any, q: str = "") -> list[TreeRow]:
    """The organisations the user may see, in tree order (materialised path), indented from the top shown."""
    orgs = list(search_orgs(scope.visible(user, Org.objects.all()), q).only(
        "id", "code", "name_th", "name_en", "kind", "path", "depth", "is_active", "parent_id"
    ))
    top = min((o.depth for o in orgs), default=0)
    return [TreeRow(org=o, indent=o.depth - top) for o in _tree_order(orgs)]


def tree_page(rows: list[TreeRow], start: int, stop: int) -> list[TreeRow]:
    """rows[start:stop], preceded by the ancestors of its first row that an earlier page showed,
    so that a page in the middle of the tree still says where it is."""
    if start <= 0 or start >= len(rows):
        return rows[start:stop]
    above: list[TreeRow] = []
    depth = rows[start].indent
    for row in reversed(rows[:start]):
        if row.indent < depth:
            above.append(TreeRow(org=row.org, indent=row.indent, context=True))
            depth = row.indent
            if depth == 0:
                break
    return above[::-1] + rows[start:stop]


def _tree_order(orgs: list[Org]) -> list[Org]:
    """Parents before their children, siblings by code (paths hold ids, which sort "10" before "2")."""
    present = {o.pk for o in orgs}
    children: dict[int | None, list[Org]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in present else None, []).append(o)
    ordered: list[Org] = []
    stack = sorted(children.get(None, []), key=lambda o: o.code, reverse=True)
    while stack:
        org = stack.pop()
        ordered.append(org)
        stack.extend(sorted(children.get(org.pk, []), key=lambda o: o.code, reverse=True))
    return ordered


def visible_ancestors(user: Any, org: Org) -> list[Org]:
    """The org's ancestors the user may see, root first (the breadcrumb)."""
    ids = [int(part) for part in org.path.strip("/").split("/")[:-1] if part]
    return list(scope.visible(user, Org.objects.filter(pk__in=ids)).order_by("depth"))


def visible_children(user: Any, org: Org) -> QuerySet[Org]:
    return scope.visible(user, org.children.all()).order_by("code")


def people_of(org: Org) -> QuerySet[Membership]:
    """Who holds which role directly on this organisation."""
    return org.memberships.select_related("user").order_by("role", "user__username")


def child_kinds(parent: Org | None) -> list[tuple[str, Any]]:
    """The kinds of organisation that may sit directly under `parent` (roots when None)."""
    parent_kind = parent.kind if parent else None
    return [(value, label) for value, label in OrgKind.choices if parent_kind in ALLOWED_PARENTS[value]]


def roles_of(user: Any) -> dict[str, list[Org]]:
    """The organisations on which the user holds each role, in tree order."""
    by_role: dict[str, list[Org]] = {r: [] for r in Role.values}
    for m in Membership.objects.filter(user=user).select_related("org").order_by("org__path"):
        by_role[m.role].append(m.org)
    return by_role


def subtree_summary(roots: list[Org]) -> list[tuple[Org, int]]:
    """Each root with the number of money-holding units at or below it (one query per root)."""
    return [(root, Org.objects.subtree_of([root]).units().count()) for root in roots]


def users_list(q: str = "") -> QuerySet[User]:
    """Everyone, for the administration pages, with their memberships prefetched."""
    qs = User.objects.order_by("username").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("org").order_by("org__path"))
    )
    q = q.strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(email__icontains=q))
    return qs
