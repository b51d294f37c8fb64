"""Frozen rounds (the official snapshot of a round's inputs and results) and coordinators' overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FrozenRound(models.Model):
    """One round of one scheme, frozen: inputs, rule-set identity and results as JSON. Never updated."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.PROTECT, related_name="frozen_rounds")
    round_no = models.PositiveSmallIntegerField(_("round"))
    as_of = models.DateField(_("as of"))
    rule_set = models.CharField(_("rule set"), max_length=80)
    rule_set_version = models.CharField(max_length=40, blank=True)
    rule_set_sha256 = models.CharField(max_length=64)
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField(_("frozen at"))
    inputs = models.JSONField(default=dict)
    results = models.JSONField(default=dict)

    scope_path = "scheme__coordinator_org__path"

    class Meta:
        ordering = ["scheme", "round_no"]
        verbose_name = _("frozen round")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "round_no"], name="frozen_round_once"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.round_no}"


class ScoreOverride(models.Model):
    """A coordinator's score for one criterion of one unit in one round; the latest one applies."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.PROTECT, related_name="score_overrides")
    round_no = models.PositiveSmallIntegerField(_("round"))
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="score_overrides")
    criterion = models.CharField(_("criterion"), max_length=40)
    # exact decimal: the criteria's maxima are decimals (0.5, 2.5, 6.25) in every shipped rule set
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=4)
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))

    scope_path = "unit__path"

    class Meta:
        ordering = ["scheme", "round_no", "unit", "criterion", "at", "pk"]
        verbose_name = _("score override")
        indexes = [models.Index(fields=["scheme", "round_no"])]

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.round_no}/{self.unit_id}/{self.criterion}"
