"""Monthly reporting: periods with deadlines, each unit's report, and governance evidence."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pts.budget.models import Category
from pts.core import clock
from pts.core.constraints import amount_check, choices_check, validate_amount
from pts.core.fiscal import Month


class ReportingPeriod(models.Model):
    """One month of a scheme's calendar. Locked after its deadline unless reopened."""

    scheme = models.ForeignKey("schemes.Scheme", on_delete=models.PROTECT, related_name="periods")
    month = models.DateField(_("month"), help_text="first day of the month")
    as_of = models.DateField(_("figures as of"))
    deadline = models.DateField(_("deadline"))
    reopened_until = models.DateTimeField(_("reopened until"), null=True, blank=True)

    scope_path = "scheme__coordinator_org__path"

    class Meta:
        ordering = ["scheme", "month"]
        verbose_name = _("reporting period")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "month"], name="period_unique"),
            models.CheckConstraint(condition=Q(as_of__lte=models.F("deadline")), name="period_as_of_before_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.month:%Y-%m}"

    @property
    def fiscal_month(self) -> Month:
        return Month.of(self.month)

    def deadline_passed(self, now=None) -> bool:  # noqa: ANN001 - aware datetime
        now = now or clock.now()
        return timezone.localdate(now) > self.deadline

    def is_locked(self, now=None) -> bool:  # noqa: ANN001 - aware datetime
        """Locked for every unit: after the deadline, unless the whole period is reopened."""
        now = now or clock.now()
        if self.reopened_until is not None and now < self.reopened_until:
            return False
        return bool(self.scheme.lock_after_deadline and self.deadline_passed(now))

    def is_locked_for(self, unit_id: int, now=None) -> bool:  # noqa: ANN001 - aware datetime
        """Locked for one unit: locked for all, and not reopened for that unit (a returned
        report's correction window, or a coordinator's reopening for the unit)."""
        now = now or clock.now()
        if not self.is_locked(now):
            return False
        return not self.openings.filter(unit_id=unit_id, until__gt=now).exists()

    def open_until_for(self, unit_id: int, now=None) -> date | None:  # noqa: ANN001 - aware datetime
        """The last local day of the unit's own reopening still running at `now`, or None."""
        now = now or clock.now()
        found = self.openings.filter(unit_id=unit_id, until__gt=now).order_by("-until").first()
        return found.last_day if found else None


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    ACCEPTED = "accepted", _("Accepted")


class MonthlyReport(models.Model):
    """A unit's report for one period: cumulative figures per category and a note of obstacles.

    `version` is bumped on every change; a save carrying an older version is refused, so two
    officers editing the same draft cannot silently overwrite each other.
    """

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="reports")
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT)
    version = models.PositiveIntegerField(default=1)
    obstacles = models.TextField(_("obstacles and remedies"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    correction_note = models.TextField(
        _("explanation of a correction"), blank=True,
        help_text="required when a cumulative figure is below the previously accepted month",
    )
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_late = models.BooleanField(_("late"), default=False)
    # a returned report's own deadline for the correction (its unit's period stays open until its end)
    correct_by = models.DateField(_("correct by"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The business time of the last change (the action's `now`), shown in the stale-version message.
    saved_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    scope_path = "unit__path"

    class Meta:
        ordering = ["period", "unit"]
        verbose_name = _("monthly report")
        constraints = [
            choices_check("state", ReportState, "report_state_valid"),
            models.UniqueConstraint(fields=["period", "unit"], name="report_one_per_unit_and_period"),
            models.CheckConstraint(condition=Q(version__gte=1), name="report_version_positive"),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(first_submitted_at__isnull=False, submitted_at__isnull=False),
                name="report_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="report_accepted_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period}"


class UnitOpening(models.Model):
    """A locked period reopened for one unit until a moment: when its report is returned for
    correction, or when a coordinator reopens the period for that unit (on request or not)."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="openings")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+")
    until = models.DateTimeField(_("open until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    scope_path = "unit__path"

    class Meta:
        ordering = ["period", "unit", "-until"]
        verbose_name = _("reopening for a unit")

    def __str__(self) -> str:
        return f"{self.period} {self.unit_id} {self.until:%Y-%m-%d}"

    @property
    def last_day(self) -> date:
        """The last local day the unit may still send (the window ends at the start of the next)."""
        return timezone.localdate(self.until - timedelta(microseconds=1))


class RequestState(models.TextChoices):
    OPEN = "open", _("Waiting")
    GRANTED = "granted", _("Reopened")
    DECLINED = "declined", _("Declined")


class ReopenRequest(models.Model):
    """An officer's request that a locked period be reopened for their unit."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reopen_requests")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    scope_path = "unit__path"

    class Meta:
        ordering = ["period", "unit", "-requested_at"]
        verbose_name = _("request to reopen")
        constraints = [
            choices_check("state", RequestState, "reopen_request_state_valid"),
            models.UniqueConstraint(fields=["period", "unit"], condition=Q(state="open"),
                                    name="reopen_request_one_open_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit_id} {self.state}"


class ReportLine(models.Model):
    """Cumulative figures for one category as of the period's as-of date, in satang."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(max_length=20, choices=Category.choices)
    committed = models.BigIntegerField(_("committed (cumulative)"), default=0, validators=[validate_amount])
    disbursed = models.BigIntegerField(_("disbursed (cumulative)"), default=0, validators=[validate_amount])

    scope_path = "report__unit__path"

    class Meta:
        ordering = ["report", "category"]
        constraints = [
            choices_check("category", Category, "reportline_category_valid"),
            models.UniqueConstraint(fields=["report", "category"], name="report_line_unique"),
            models.CheckConstraint(condition=Q(committed__gte=0) & Q(disbursed__gte=0), name="report_line_non_negative"),
            amount_check("committed", "report_line_committed_within_limit"),
            amount_check("disbursed", "report_line_disbursed_within_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.category}"


class EvidenceKind(models.TextChoices):
    COMMITTEE_ORDER = "committee_order", _("Committee appointment order")
    MINUTES = "minutes", _("Meeting minutes")
    PUBLICATION = "publication", _("Monthly report publication")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never uses the uploader's file name: only the checked extension.
    ext = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(instance.content_type, "bin")
    return f"evidence/{instance.fiscal_year_id}/{instance.unit_id}/{instance.sha256}.{ext}"


class Evidence(models.Model):
    """Governance evidence for the scoring checklist: a dated, uploaded document."""

    fiscal_year = models.ForeignKey("budget.FiscalYear", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    month = models.DateField(_("month"), null=True, blank=True, help_text="first day; none for the committee order")
    event_date = models.DateField(_("date"))
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)  # loaded history: its own day

    scope_path = "unit__path"

    class Meta:
        ordering = ["fiscal_year", "unit", "kind", "month", "-uploaded_at"]
        verbose_name = _("governance evidence")
        constraints = [
            choices_check("kind", EvidenceKind, "evidence_kind_valid"),
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(kind="committee_order", month__isnull=True) | (~Q(kind="committee_order") & Q(month__isnull=False)),
                name="evidence_month_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.month or ''}"
