"""Read-only admin of the ledger: movements and request forms are changed only through the actions."""

from __future__ import annotations

from django.contrib import admin

from pts.budget.models import Movement, ReservationForm
from pts.core.admin import ReadOnlyAdminMixin


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "effective_date", "unit", "category", "kind", "amount", "document_ref", "reverses", "actor")
    list_filter = ("fiscal_year", "kind", "category")
    search_fields = ("unit__code", "unit__name_th", "document_ref", "note")
    list_select_related = ("unit", "actor", "reverses")
    date_hierarchy = "effective_date"
    ordering = ("-effective_date", "-id")


@admin.register(ReservationForm)
class ReservationFormAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "unit", "category", "amount", "requested_on", "status", "requester")
    list_filter = ("fiscal_year", "status", "category")
    search_fields = ("number", "requester", "unit__code")
    list_select_related = ("unit",)
