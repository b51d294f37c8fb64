"""The audit trail in the Django admin: read-only, since rows are written only by `audit_record`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from pts.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "unit", "fiscal_year", "period"]
    list_filter = ["action"]
    search_fields = ["action", "object_type", "object_id", "unit__code", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor", "unit"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
