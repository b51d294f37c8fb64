"""Frozen rounds (the official snapshot of a round's inputs and results), coordinators' overrides and
the deduction events they record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FrozenRound(models.Model):
    """One round of one scheme, frozen: inputs, rule-set identity and results as JSON. Never updated."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.PROTECT, related_name="frozen_rounds")
    round_no = models.PositiveSmallIntegerField(_("round"))
    as_of = models.DateField(_("as of"))
    rule_set = models.CharField(_("rule set"), max_length=80)
    rule_set_version = models.CharField(max_length=40, blank=True)
    rule_set_sha256 = models.CharField(max_length=64)
    # an in-app rule set's version, when the scheme scored with one (else the shipped id above)
    app_version = models.ForeignKey(
        "scoring.RuleSetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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


class DeductionEvent(models.Model):
    """One event a coordinator recorded that costs a unit points (documents returned, a late update).

    Never deleted or edited: a mistaken event is withdrawn, with who, when and why. The cause is a
    cause id of the scheme's rule set; `month` is the first day of the month it counts in.
    """

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.PROTECT, related_name="deduction_events")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="deduction_events")
    cause = models.CharField(_("cause"), max_length=40)
    month = models.DateField(_("month"), help_text="first day of the month")
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawal"), blank=True)
    request_key = models.UUIDField(
        null=True, blank=True, unique=True, editable=False,
        help_text="the submitting form's one-time key: a second submission replays the first",
    )

    scope_path = "unit__path"

    class Meta:
        ordering = ["scheme", "unit", "month", "at", "pk"]
        verbose_name = _("deduction event")
        indexes = [models.Index(fields=["scheme", "unit", "month"])]
        constraints = [
            models.CheckConstraint(condition=~Q(cause=""), name="deduction_cause_required"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdraw_reason="")
                | (Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False) & ~Q(withdraw_reason="")),
                name="deduction_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.unit_id}/{self.cause}/{self.month:%Y-%m}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ScoreSet(models.Model):
    """Scores of a scheme's units as of a date under one context (rule set file, series mapping,
    denominator, calendar, code): derived data shared by every worker through the database, so a
    league is not recomputed by each process (see `pts.scoring.snapshots`). Never shown as such."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    context = models.CharField(max_length=64)
    used_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "as_of", "context"], name="scoreset_key")]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.as_of} {self.context[:8]}"


class ScoreEntry(models.Model):
    """One unit's points in every round, stored with the digest of the inputs they came from."""

    score_set = models.ForeignKey(ScoreSet, on_delete=models.CASCADE, related_name="entries")
    unit_id = models.BigIntegerField()
    digest = models.CharField(max_length=40)
    data = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["score_set", "unit_id"], name="scoreentry_key")]

    def __str__(self) -> str:
        return f"{self.score_set_id}/{self.unit_id}"


class AppRuleSet(models.Model):
    """A rule set kept in the database and edited in the app, owned by a coordinating organisation
    (visible in its tree). Its content lives in its versions; the rule set itself is only a name."""

    owner = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="app_rule_sets")
    name = models.CharField(_("name"), max_length=255)
    based_on = models.CharField(_("started from"), max_length=80, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    scope_path = "owner__path"

    class Meta:
        ordering = ["owner", "name", "pk"]
        verbose_name = _("rule set")

    def __str__(self) -> str:
        return self.name

    def latest(self) -> RuleSetVersion | None:
        return self.versions.order_by("-number").first()


class RuleSetVersion(models.Model):
    """One saved version of an in-app rule set: the TOML text (the same file format as the shipped
    rule sets), its digest, who saved it, when and why. Never updated or deleted (the database
    refuses it); a change is a new version."""

    rule_set = models.ForeignKey(AppRuleSet, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    toml = models.TextField()
    sha256 = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saved at"))
    comment = models.TextField(_("comment"), blank=True)

    scope_path = "rule_set__owner__path"

    class Meta:
        ordering = ["rule_set", "number"]
        verbose_name = _("rule set version")
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="rulesetversion_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="rulesetversion_number"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set_id} v{self.number}"

    @property
    def ref(self) -> str:
        """What a scheme's rule_set holds to pin this version."""
        return f"app:{self.pk}"
