"""Read-only admin: frozen rounds, overrides and deduction events are written only by the actions (audited)."""

from django.contrib import admin

from pts.core.admin import ReadOnlyAdminMixin
from pts.scoring.models import DeductionEvent, FrozenRound, ScoreOverride


@admin.register(FrozenRound)
class FrozenRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scheme", "round_no", "as_of", "rule_set", "rule_set_version", "frozen_by", "frozen_at")
    exclude = ("inputs", "results")


@admin.register(ScoreOverride)
class ScoreOverrideAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scheme", "round_no", "unit", "criterion", "score", "actor", "at")
    search_fields = ("unit__code", "criterion", "reason")


@admin.register(DeductionEvent)
class DeductionEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scheme", "unit", "cause", "month", "actor", "at", "withdrawn_at")
    list_filter = ("cause",)
    search_fields = ("unit__code", "cause", "note", "withdraw_reason")
