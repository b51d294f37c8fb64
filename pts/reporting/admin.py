"""Reporting in the Django admin: read-only, since every change goes through pts.reporting.actions."""

from django.contrib import admin

from pts.reporting.models import Evidence, MonthlyReport, ReportingPeriod, ReportLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["scheme", "month", "as_of", "deadline", "reopened_until"]
    list_filter = ["scheme"]


class ReportLineInline(admin.TabularInline):
    model = ReportLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ["period", "unit", "state", "version", "is_late", "submitted_at", "accepted_at"]
    list_filter = ["state", "is_late", "period__scheme"]
    inlines = [ReportLineInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["unit", "fiscal_year", "kind", "month", "event_date", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "fiscal_year"]
