"""Procurement in the admin: read-only, except the schemes' procurement settings, which are saved
through pts.procurement.actions.procurement_settings_set (so they are checked and audited)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from pts.core.admin import ReadOnlyAdminMixin
from pts.organisations.models import User
from pts.procurement import actions, queries
from pts.procurement.deadlines import DeadlineError, available_schemes, parse_scheme
from pts.procurement.models import (
    ExtraHoliday,
    ImportBatch,
    Instalment,
    Milestone,
    ProcurementSettings,
    Project,
    RoundUpdate,
)


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Milestone
    fields = ("seq", "code", "planned", "actual")
    extra = 0


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "unit", "fiscal_year", "method", "allocated", "egp_number", "updated_at")
    list_filter = ("fiscal_year", "method", "category", "multi_year")
    search_fields = ("name", "unit__code", "unit__name_th", "egp_number", "contract_number", "po_number")
    list_select_related = ("unit", "fiscal_year")
    inlines = [MilestoneInline]


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("project", "seq", "deliverable", "due_date", "amount", "accepted_on", "paid_on")
    list_select_related = ("project",)


@admin.register(RoundUpdate)
class RoundUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("project", "month", "deadline", "recorded_at", "recorded_by", "forecast_contract", "slippage")
    list_filter = ("month",)
    list_select_related = ("project", "recorded_by")


@admin.register(ExtraHoliday)
class ExtraHolidayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "name", "org", "added_by", "added_at")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("imported_at", "file_name", "sha256", "rows", "created", "updated", "imported_by")


class SettingsForm(forms.ModelForm):
    # the scheme's `deadline_sets`, saved through scheme_set_deadline_sets with the rest
    deadline_schemes = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ProcurementSettings
        fields = ["scheme", "custom_deadlines", "plan_deadline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["deadline_schemes"]).choices = [
            (s, queries.deadline_set_label(s)) for s in available_schemes()]
        if self.instance.pk:
            scheme = self.instance.scheme
            self.initial["deadline_schemes"] = queries.scheme_deadline_sets(scheme, scheme.fiscal_year.be_year)

    def clean_custom_deadlines(self) -> str:
        text = self.cleaned_data["custom_deadlines"]
        if text.strip():
            try:
                parse_scheme(text)
            except DeadlineError as exc:
                raise ValidationError(str(exc)) from exc
        return text


@admin.register(ProcurementSettings)
class ProcurementSettingsAdmin(admin.ModelAdmin):
    form = SettingsForm
    list_display = ("scheme", "plan_deadline")

    def save_model(self, request: HttpRequest, obj: ProcurementSettings, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not isinstance(request.user, User):  # the admin lets only signed-in staff this far
            raise PermissionDenied
        saved = actions.procurement_settings_set(
            actor=request.user, scheme=data["scheme"], deadline_schemes=list(data["deadline_schemes"]),
            custom_deadlines=data["custom_deadlines"], plan_deadline=data["plan_deadline"])
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
