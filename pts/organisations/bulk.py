"""Many organisations at once (the `units` import): created parent first, renamed, moved, removed.

The one-by-one actions (`pts.organisations.actions`) write an audit row each and check the actor
per unit; the caller of these functions has checked every unit already and records the whole
change as one audit row in its own transaction (an import's `imports.commit`). Paths and depths
stay right: a new unit's path is its parent's plus its own zero-padded id; a moved unit's subtree
has its path prefix rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from pts.organisations.models import Org


@dataclass(frozen=True)
class NewOrg:
    code: str
    name_th: str
    kind: str
    parent: str | None  # the parent's code (an existing unit or one created earlier in the list)
    name_en: str = ""


@dataclass(frozen=True)
class OrgChange:
    code: str
    name_th: str
    name_en: str
    parent: str | None  # the parent's code after the change


def _where(codes: Iterable[str]) -> dict[str, tuple[int, str, int]]:
    wanted = list(set(codes))
    found: dict[str, tuple[int, str, int]] = {}
    for i in range(0, len(wanted), 900):
        for code, pk, path, depth in Org.objects.filter(code__in=wanted[i:i + 900]).values_list(
                "code", "id", "path", "depth"):
            found[code] = (pk, path, depth)
    return found


def _move(org_id: int, parent_code: str | None) -> None:
    """Put the organisation under the one of `parent_code`, rewriting its subtree's paths."""
    org = Org.objects.get(pk=org_id)
    parent = _where([parent_code])[parent_code] if parent_code else None
    new_path = f"{parent[1] if parent else '/'}{org.pk:08d}/"
    new_depth = parent[2] + 1 if parent else 0
    Org.objects.filter(pk=org.pk).update(parent_id=parent[0] if parent else None)
    if new_path != org.path:
        Org.objects.filter(path__startswith=org.path).update(
            path=Concat(Value(new_path), Substr("path", len(org.path) + 1, Length("path"))),
            depth=F("depth") + (new_depth - org.depth))


@transaction.atomic
def apply(levels: Sequence[tuple[Sequence[OrgChange], Sequence[NewOrg]]]) -> list[int]:
    """Apply changes and creations level by level (a level's parents are all in earlier levels or
    already exist): each level's changes first, then its new units in one insert. The new ids."""
    created: list[int] = []
    for changes, news in levels:
        if changes:
            where = _where([c.code for c in changes] + [c.parent for c in changes if c.parent])
            renamed = []
            for change in changes:
                pk = where[change.code][0]
                renamed.append(Org(pk=pk, name_th=change.name_th, name_en=change.name_en))
            Org.objects.bulk_update(renamed, ["name_th", "name_en"], batch_size=1000)
            current = dict(Org.objects.filter(pk__in=[o.pk for o in renamed]).values_list("code", "parent_id"))
            for change in changes:
                parent = where[change.parent] if change.parent else None
                if current[change.code] != (parent[0] if parent else None):
                    _move(where[change.code][0], change.parent)
        if news:
            parents = _where(n.parent for n in news if n.parent)
            made = Org.objects.bulk_create(
                [Org(code=n.code, name_th=n.name_th, name_en=n.name_en, kind=n.kind,
                     parent_id=parents[n.parent][0] if n.parent else None, path="", depth=0) for n in news],
                batch_size=1000)
            if any(o.pk is None for o in made):  # a database without RETURNING: look the ids up
                ids = _where(n.code for n in news)
                for o in made:
                    o.pk = ids[o.code][0]
            for o, n in zip(made, news, strict=True):
                parent = parents[n.parent] if n.parent else None
                o.path = f"{parent[1] if parent else '/'}{o.pk:08d}/"
                o.depth = parent[2] + 1 if parent else 0
            Org.objects.bulk_update(made, ["path", "depth"], batch_size=1000)
            created.extend(o.pk for o in made)
    return created


def referenced(ids: Iterable[int]) -> set[int]:
    """Of the given organisations, those something else refers to (a child, a role, a movement...)."""
    wanted = list(ids)
    found: set[int] = set()
    for relation in Org._meta.related_objects:
        model: Any = relation.related_model
        column = relation.field.attname
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            found.update(model._base_manager.filter(**{f"{column}__in": chunk})
                         .values_list(column, flat=True).distinct())
    return found


@transaction.atomic
def remove(ids: Iterable[int]) -> tuple[int, int]:
    """Delete the organisations nothing refers to, deactivate the others (deepest first, so a unit
    whose only references are children being deleted goes too): (deleted, deactivated)."""
    orgs = sorted(Org.objects.filter(pk__in=list(ids)).values_list("id", "depth", "parent_id"), key=lambda r: -r[1])
    deleted = deactivated = 0
    by_depth: dict[int, list[tuple[int, int | None]]] = {}
    for pk, depth, parent_id in orgs:
        by_depth.setdefault(depth, []).append((pk, parent_id))
    for depth in sorted(by_depth, reverse=True):
        level = [pk for pk, _parent in by_depth[depth]]
        kept = referenced(level)
        gone = [pk for pk in level if pk not in kept]
        for i in range(0, len(gone), 900):
            Org.objects.filter(pk__in=gone[i:i + 900]).delete()
        deleted += len(gone)
        stay = [pk for pk in level if pk in kept]
        for i in range(0, len(stay), 900):
            Org.objects.filter(pk__in=stay[i:i + 900]).update(is_active=False)
        deactivated += len(stay)
    return deleted, deactivated
