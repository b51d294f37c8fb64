"""Schemes in the Django admin: read-only, since every change goes through pts.schemes.actions."""

from django.contrib import admin

from pts.core.admin import ReadOnlyAdminMixin
from pts.schemes.models import Scheme


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "fiscal_year", "coordinator_org", "deadline_day"]
    list_filter = ["kind", "fiscal_year"]
    search_fields = ["code", "name"]
