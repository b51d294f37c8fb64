"""Procurement projects (the PTS): plans, milestone dates, instalments and the per-round history.

Dates are CE `DateField`s; money is integer satang. Statuses, slippage, forecasts and deadline flags
are never stored: `pts.procurement.queries` derives them from the dates with
`pts.procurement.schedule.track` and `pts.procurement.deadlines.check_deadlines`.
Every write goes through `pts.procurement.actions`, which also sets the business timestamps
(`created_at`, `updated_at`, `recorded_at`) from the `now` it is given. The field and date rules
at the end (clean_egp, clean_money, ..., actual_refusal) are what the actions, the forms and the
sheet import accept.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pts.budget.models import Category, FiscalYear
from pts.core.categories import is_fund_code
from pts.core.constraints import amount_check, validate_amount
from pts.core.fiscal import english_date, thai_date
from pts.core.money import AmountTooLarge, check_amount, format_baht
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import permissions
from pts.organisations.models import Org
from pts.organisations.permissions import Actor
from pts.procurement.schedule import DEFAULT_TEMPLATE, load_template


class Method(models.TextChoices):
    """Procurement methods; the values are the method ids of the milestone template."""

    E_BIDDING = "e-bidding", _("e-bidding")
    E_MARKET = "e-market", _("e-market")
    SPECIFIC = "specific", _("specific method")
    SELECTION = "selection", _("selection")


class ProjectStatus(models.TextChoices):
    """Derived, never stored: see `pts.procurement.queries.project_status`."""

    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    LATE = "late", _("late")
    COMPLETED = "completed", _("completed")


class MilestoneStatus(models.TextChoices):
    """The statuses `schedule.track` gives a milestone (labels for the screens)."""

    SCHEDULED = "scheduled", _("scheduled")
    MET = "met", _("met")
    LATE = "late", _("late")
    AT_RISK = "at_risk", _("at risk")
    UNPLANNED = "unplanned", _("not planned")


MILESTONE_CODES = [(m.id, m.name_en) for m in load_template(DEFAULT_TEMPLATE).milestones]


class Project(models.Model):
    """A procurement project of a unit in a fiscal year (a row of the PTS sheet)."""

    fiscal_year = models.ForeignKey("budget.FiscalYear", on_delete=models.PROTECT, related_name="projects")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(_("project"), max_length=255)
    category = models.CharField(_("budget category"), max_length=20, choices=Category.choices,
                                default=Category.CAPITAL)
    fund_code = models.CharField(_("source-of-funds code"), max_length=7, blank=True)
    allocated = models.BigIntegerField(_("allocated (satang)"), validators=[validate_amount])
    reference_price = models.BigIntegerField(_("reference price (satang)"), null=True, blank=True,
                                             validators=[validate_amount])
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.E_BIDDING)
    multi_year = models.BooleanField(_("multi-year contract"), default=False)
    template = models.CharField(max_length=40, default=DEFAULT_TEMPLATE, editable=False)
    egp_number = models.CharField(_("e-GP project number"), max_length=11, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=80, blank=True)
    contract_value = models.BigIntegerField(_("contract value (satang)"), null=True, blank=True,
                                            validators=[validate_amount])
    contractor = models.CharField(_("contractor"), max_length=255, blank=True)
    po_number = models.CharField(_("PO number"), max_length=80, blank=True)
    po_date = models.DateField(_("PO date"), null=True, blank=True)
    officer_name = models.CharField(_("responsible officer"), max_length=150, blank=True)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("responsible officer (user)"))
    # The ledger commitment recorded from the contract date, when the officer asked for it.
    commitment = models.OneToOneField("budget.Movement", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", editable=False)
    created_at = models.DateTimeField(_("entered"))
    updated_at = models.DateTimeField(_("last updated"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    scope_path = "unit__path"

    class Meta:
        ordering = ["unit__path", "name", "id"]
        verbose_name = _("procurement project")
        indexes = [models.Index(fields=["fiscal_year", "unit"])]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "unit", "name"], name="project_name_unique"),
            models.UniqueConstraint(fields=["egp_number"], condition=~Q(egp_number=""),
                                    name="project_egp_number_unique"),
            models.CheckConstraint(condition=Q(allocated__gt=0), name="project_allocated_positive"),
            models.CheckConstraint(condition=Q(reference_price__isnull=True) | Q(reference_price__gte=0),
                                   name="project_reference_price_non_negative"),
            models.CheckConstraint(condition=Q(contract_value__isnull=True) | Q(contract_value__gte=0),
                                   name="project_contract_value_non_negative"),
            amount_check("allocated", "project_allocated_within_limit"),
            amount_check("reference_price", "project_reference_price_within_limit"),
            amount_check("contract_value", "project_contract_value_within_limit"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="project_method_valid"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="project_category_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="project_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """The current planned and actual date of one step of a project's plan."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(_("milestone"), max_length=30, choices=MILESTONE_CODES)
    seq = models.PositiveSmallIntegerField()
    planned = models.DateField(_("planned date"), null=True, blank=True)
    actual = models.DateField(_("actual date"), null=True, blank=True)

    scope_path = "project__unit__path"

    class Meta:
        ordering = ["project", "seq"]
        verbose_name = _("milestone")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="milestone_unique_per_project"),
            models.CheckConstraint(condition=Q(code__in=[c for c, _label in MILESTONE_CODES]),
                                   name="milestone_code_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.code}"


class Instalment(models.Model):
    """A contract instalment (งวดงาน): a deliverable, when it is due, accepted and paid."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("instalment"))
    deliverable = models.CharField(_("deliverable"), max_length=255)
    due_date = models.DateField(_("due date"))
    amount = models.BigIntegerField(_("amount (satang)"), validators=[validate_amount])
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    scope_path = "project__unit__path"

    class Meta:
        ordering = ["project", "seq"]
        verbose_name = _("instalment")
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            amount_check("amount", "instalment_amount_within_limit"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | (Q(accepted_on__isnull=False) & Q(paid_on__gte=models.F("accepted_on"))),
                name="instalment_paid_after_acceptance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.seq}"


class RoundUpdate(models.Model):
    """What an officer reported for a project in one reporting round. Append-only: a second update
    in the same round is a new row, so the history of every round stays readable."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="round_updates")
    period = models.ForeignKey("reporting.ReportingPeriod", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    month = models.DateField(_("round"), help_text="first day of the round's month")
    deadline = models.DateField(_("round deadline"))
    obstacles = models.TextField(_("obstacles"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    # {milestone code: [planned ISO or null, actual ISO or null]} plus the forecast at the time.
    snapshot = models.JSONField(default=dict)
    forecast_contract = models.DateField(_("forecast contract date"), null=True, blank=True)
    slippage = models.IntegerField(_("slippage (working days)"), default=0)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    scope_path = "project__unit__path"

    class Meta:
        ordering = ["project", "month", "recorded_at", "id"]
        verbose_name = _("round update")
        indexes = [models.Index(fields=["project", "month"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m}"

    @property
    def on_time(self) -> bool:
        from django.utils import timezone

        return timezone.localdate(self.recorded_at) <= self.deadline


class ExtraHoliday(models.Model):
    """A non-working day the `holidays` package does not know.

    National (no organisation: a cabinet-declared special holiday), set by administrators and
    closed for every unit; or an organisation's own (a provincial or departmental day off), set by
    its coordinators and closed only for the units at or below it.
    """

    day = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)
    org = models.ForeignKey("organisations.Org", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+", verbose_name=_("for"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    # The rows an organisation's coordinators manage; national days (no org) are the administrators'.
    scope_path = "org__path"

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("extra holiday")
        constraints = [
            models.UniqueConstraint(fields=["day"], condition=Q(org__isnull=True), name="extra_holiday_national_unique"),
            models.UniqueConstraint(fields=["day", "org"], condition=Q(org__isnull=False),
                                    name="extra_holiday_org_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class ProcurementSettings(models.Model):
    """A scheme's procurement settings: extra deadlines of its own (TOML, the format of
    data/deadlines-*.toml) and the plan deadline. Which shipped deadline sets apply is the scheme's
    `deadline_sets`."""

    scheme = models.OneToOneField("schemes.Scheme", on_delete=models.CASCADE, related_name="procurement")
    custom_deadlines = models.TextField(_("the scheme's own deadlines (TOML)"), blank=True)
    plan_deadline = models.DateField(_("plans entered by"), null=True, blank=True)

    scope_path = "scheme__coordinator_org__path"

    class Meta:
        verbose_name = _("procurement settings")
        verbose_name_plural = _("procurement settings")

    def __str__(self) -> str:
        return f"{self.scheme_id}"


class ImportBatch(models.Model):
    """One committed import of a PTS sheet: a re-import of the same file (same SHA-256) is visible."""

    fiscal_year = models.ForeignKey("budget.FiscalYear", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported"))
    units = models.ManyToManyField("organisations.Org", related_name="+", blank=True)

    # Seen by whoever sees one of the units it touched (use .distinct(): a batch has many units).
    scope_path = "units__path"

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("PTS import")

    def __str__(self) -> str:
        return f"{self.file_name} {self.sha256[:12]}"


# The project fields an audit row of a project's creation or change records (before/after).
PROJECT_FIELDS = ["name", "category", "fund_code", "allocated", "reference_price", "method", "multi_year",
                  "egp_number", "contract_number", "contract_value", "contractor", "po_number", "po_date",
                  "officer_name", "officer"]


# -- field rules: what actions, forms and the sheet import accept ----------------------------


def _error(field: str, th: str, en: str) -> ValidationError:
    return ValidationError({field: bilingual(th, en)})


EGP_RE = re.compile(r"^\d{11}$")
LABELS = {
    "name": ("ชื่อโครงการ", "the project name"),
    "fund_code": ("รหัสแหล่งของเงิน", "the source-of-funds code"),
    "egp_number": ("เลขที่โครงการ e-GP", "the e-GP project number"),
    "contract_number": ("เลขที่สัญญา", "the contract number"),
    "contractor": ("ผู้รับจ้าง", "the contractor"),
    "po_number": ("เลขที่ใบสั่งซื้อ", "the PO number"),
    "officer_name": ("ผู้รับผิดชอบ", "the responsible officer"),
    "deliverable": ("งานที่ส่งมอบ", "the deliverable"),
    "obstacles": ("ปัญหาอุปสรรค", "the obstacles"),
    "remedy": ("แนวทางแก้ไข", "the remedy"),
    "holiday_name": ("ชื่อวันหยุด", "the holiday name"),
    "allocated": ("วงเงินงบประมาณ", "the allocated amount"),
    "reference_price": ("ราคากลาง", "the reference price"),
    "contract_value": ("มูลค่าสัญญา", "the contract value"),
    "amount": ("จำนวนเงิน", "the amount"),
}
MAX_TEXT = {"name": 255, "fund_code": 7, "contract_number": 80, "contractor": 255, "po_number": 80,
            "officer_name": 150, "deliverable": 255, "obstacles": 4000, "remedy": 4000, "holiday_name": 200}


def clean_text(value: Any, field: str, *, required: bool = False) -> str:
    th, en = LABELS[field]
    text = str(value or "").strip()
    if required and not text:
        raise _error(field, f"ต้องระบุ{th}", f"{en} is required")
    if len(text) > MAX_TEXT[field]:
        raise _error(field, f"{th}ยาวเกิน {MAX_TEXT[field]} ตัวอักษร: '{text[:30]}…'",
                     f"{en} is longer than {MAX_TEXT[field]} characters: '{text[:30]}…'")
    return text


def clean_egp(value: Any) -> str:
    """An e-GP project number: 11 digits (Thai digits and spaces accepted), or "" when blank."""
    text = normalize_digits(str(value or "")).replace(" ", "").strip()
    if not text:
        return ""
    if not EGP_RE.match(text):
        raise _error("egp_number", f"เลขที่โครงการ e-GP ต้องเป็นตัวเลข 11 หลัก (ได้ '{value}')",
                     f"the e-GP project number must have 11 digits (got '{value}')")
    return text


def clean_fund_code(value: Any) -> str:
    """A GFMIS source-of-funds code: 7 digits YY B B XXX (docs/domain.md §5), or blank."""
    text = normalize_digits(str(value or "")).replace(" ", "").strip()
    if text and not is_fund_code(text):
        raise _error("fund_code", f"รหัสแหล่งของเงินต้องเป็นตัวเลข 7 หลัก (ได้ '{value}')",
                     f"the source-of-funds code must have 7 digits (got '{value}')")
    return text


def clean_money(value: Any, field: str, *, required: bool = False, positive: bool = False) -> int | None:
    th, en = LABELS[field]
    if value is None:
        if required:
            raise _error(field, f"ต้องระบุ{th}", f"{en} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(field, f"{th} '{value}' ต้องเป็นจำนวนเต็มหน่วยสตางค์", f"{en} '{value}' must be whole satang")
    try:
        check_amount(value)
    except AmountTooLarge as exc:
        raise _error(field, f"{th} {exc.th}", f"{en} {exc.en}") from exc
    if value < 0 or (positive and value == 0):
        raise _error(field, f"{th}ต้อง{'มากกว่าศูนย์' if positive else 'ไม่ติดลบ'}: '{format_baht(value)}'",
                     f"{en} must be {'above zero' if positive else 'zero or more'}: '{format_baht(value)}'")
    return value


def clean_method(value: Any) -> str:
    if value not in Method.values:
        raise _error("method", f"วิธีจัดซื้อจัดจ้าง '{value}' ไม่ถูกต้อง", f"unknown procurement method '{value}'")
    return str(value)


def clean_category(value: Any) -> str:
    if value not in Category.values:
        raise _error("category", f"หมวดงบ '{value}' ไม่ถูกต้อง", f"unknown budget category '{value}'")
    return str(value)


# -- date rules --------------------------------------------------------------------------------


def planned_change_refusal(actor: Actor, unit: Org, old: date | None, new: date | None, today: date) -> str | None:
    """Why this actor may not move a planned date (bilingual), or None."""
    if old == new or old is None or old >= today or permissions.allows(actor, permissions.Need.COORDINATE, unit):
        return None
    return bilingual(
        f"วันที่ตามแผน {thai_date(old)} ผ่านมาแล้ว: เฉพาะผู้ประสานงานเปลี่ยนได้",
        f"the planned date {english_date(old)} has passed: only a coordinator may move it",
    )


def actual_refusal(fy: FiscalYear, day: date | None, today: date) -> str | None:
    """Why an actual date cannot be recorded (bilingual), or None."""
    if day is None:
        return None
    if day > today:
        return bilingual(f"วันที่ดำเนินการ {thai_date(day)} ยังมาไม่ถึง (วันนี้ {thai_date(today)})",
                         f"the actual date {english_date(day)} is in the future (today is {english_date(today)})")
    earliest = fy.start - timedelta(days=366)
    if day < earliest:
        return bilingual(f"วันที่ดำเนินการ {thai_date(day)} เก่ากว่า {thai_date(earliest)}",
                         f"the actual date {english_date(day)} is before {english_date(earliest)}")
    return None
