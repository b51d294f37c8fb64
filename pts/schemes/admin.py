"""Schemes in the Django admin: read-only, since every change goes through pts.schemes.actions."""

from django.contrib import admin

from pts.schemes.models import Scheme


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "fiscal_year", "coordinator_org", "deadline_day"]
    list_filter = ["kind", "fiscal_year"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
