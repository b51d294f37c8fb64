"""Read-only admin: frozen rounds, overrides, deduction events and in-app rule sets are written only by the
actions (audited)."""

from django.contrib import admin

from pts.core.admin import ReadOnlyAdminMixin
from pts.scoring.models import AppRuleSet, DeductionEvent, FrozenRound, RuleSetVersion, ScoreOverride


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


@admin.register(AppRuleSet)
class AppRuleSetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "owner", "based_on", "created_by", "created_at")
    search_fields = ("name",)


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("rule_set", "number", "author", "created_at", "comment")
    search_fields = ("rule_set__name", "comment")
