"""Reporting in the Django admin: read-only, since every change goes through pts.reporting.actions."""

from django.contrib import admin

from pts.core.admin import ReadOnlyAdminMixin
from pts.reporting.models import Evidence, MonthlyReport, ReportingPeriod, ReportLine


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["scheme", "month", "as_of", "deadline", "reopened_until"]
    list_filter = ["scheme"]


class ReportLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportLine
    extra = 0
    can_delete = False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period", "unit", "state", "version", "is_late", "submitted_at", "accepted_at"]
    list_filter = ["state", "is_late", "period__scheme"]
    inlines = [ReportLineInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "fiscal_year", "kind", "month", "event_date", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "fiscal_year"]
