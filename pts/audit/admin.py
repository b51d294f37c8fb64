"""The audit trail in the Django admin: read-only, since rows are written only by `audit_record`."""

from __future__ import annotations

from django.contrib import admin

from pts.audit.models import AuditEvent
from pts.core.admin import ReadOnlyAdminMixin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "unit", "fiscal_year", "period"]
    list_filter = ["action"]
    search_fields = ["action", "object_type", "object_id", "unit__code", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor", "unit"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
