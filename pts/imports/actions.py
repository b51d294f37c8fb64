"""What the imports' pages write besides the pipeline: a column mapping saved by name, audited."""

from __future__ import annotations

from django.db import transaction

from pts.audit.actions import audit_record
from pts.imports import layouts
from pts.imports.models import ImportMapping
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor


def mapping_save(*, actor: Actor, org: Org, layout: str, name: str, columns: dict[str, str]) -> ImportMapping:
    """Save (or replace) `org`'s mapping `name` of `layout`: field key -> the header text of its column."""
    user = permissions.require_edit(actor, org)
    spec = layouts.get(layout)
    known = {f.key for f in spec.fields}
    clean = {str(k): str(v)[:200] for k, v in columns.items() if k in known and str(v).strip()}
    with transaction.atomic():
        mapping = ImportMapping.objects.filter(org=org, layout=layout, name=name[:80]).first()
        before = dict(mapping.columns) if mapping is not None else None
        if mapping is None:
            mapping = ImportMapping.objects.create(org=org, layout=layout, name=name[:80], columns=clean,
                                                   created_by=user)
        else:
            mapping.columns = clean
            mapping.save(update_fields=["columns", "updated_at"])
        audit_record(actor=actor, action="imports.mapping_save", obj=mapping, unit=org,
                     before={"columns": before} if before is not None else None, after={"columns": clean},
                     note=mapping.name)
    return mapping
