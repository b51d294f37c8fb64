"""Read-only admin: frozen rounds, overrides and deduction events are written only by the actions (audited)."""

from django.contrib import admin

from pts.scoring.models import DeductionEvent, FrozenRound, ScoreOverride


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(FrozenRound)
class FrozenRoundAdmin(_ReadOnly):
    list_display = ("scheme", "round_no", "as_of", "rule_set", "rule_set_version", "frozen_by", "frozen_at")
    exclude = ("inputs", "results")


@admin.register(ScoreOverride)
class ScoreOverrideAdmin(_ReadOnly):
    list_display = ("scheme", "round_no", "unit", "criterion", "score", "actor", "at")
    search_fields = ("unit__code", "criterion", "reason")


@admin.register(DeductionEvent)
class DeductionEventAdmin(_ReadOnly):
    list_display = ("scheme", "unit", "cause", "month", "actor", "at", "withdrawn_at")
    list_filter = ("cause",)
    search_fields = ("unit__code", "cause", "note", "withdraw_reason")
