"""The money ledger: fiscal years, budget categories, and append-only movements in satang.

Balances are never stored: `pts.budget.queries` derives every figure from the movements.
"""

from __future__ import annotations

import uuid
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pts.core import categories, fiscal
from pts.core.constraints import amount_check, choices_check, validate_amount


class FiscalYear(models.Model):
    """A fiscal year named by its BE year (2566 = 2022-10-01 .. 2023-09-30)."""

    be_year = models.PositiveIntegerField(_("fiscal year (BE)"), unique=True)
    is_closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        ordering = ["-be_year"]
        verbose_name = _("fiscal year")
        constraints = [
            models.CheckConstraint(condition=Q(be_year__gte=2500) & Q(be_year__lte=2700), name="fy_be_range")
        ]

    def __str__(self) -> str:
        return f"{self.be_year}"

    @property
    def start(self):  # noqa: ANN201 - date
        return fiscal.fiscal_year_bounds(self.be_year)[0]

    @property
    def end(self):  # noqa: ANN201 - date
        return fiscal.fiscal_year_bounds(self.be_year)[1]

    @property
    def months(self) -> list[fiscal.Month]:
        return fiscal.fiscal_months(self.be_year)

    def contains(self, day) -> bool:  # noqa: ANN001 - date
        return self.start <= day <= self.end


def _category_label(category: categories.BudgetCategory) -> str:
    """The choice label in the active language, from the one home of the vocabulary."""
    return cast(str, lazy(lambda: category.label_in(get_language()), str)())


class Category(models.TextChoices):
    """The five budget categories, in the order Thai budget documents list them
    (`pts.core.categories` holds their codes and names)."""

    PERSONNEL = categories.PERSONNEL.code, _category_label(categories.PERSONNEL)
    OPERATING = categories.OPERATING.code, _category_label(categories.OPERATING)
    CAPITAL = categories.CAPITAL.code, _category_label(categories.CAPITAL)
    SUBSIDY = categories.SUBSIDY.code, _category_label(categories.SUBSIDY)
    OTHER = categories.OTHER.code, _category_label(categories.OTHER)


class Activity(models.Model):
    """A project or activity a unit spends on; tags let a scheme target e.g. training costs."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="activities")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="activities")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=255)
    tags = models.JSONField(_("tags"), default=list, blank=True)

    scope_path = "unit__path"

    class Meta:
        ordering = ["code"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "unit", "code"], name="activity_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ReservationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMMITTED = "committed", _("Committed")
    CANCELLED = "cancelled", _("Cancelled")


class ReservationForm(models.Model):
    """The bureau's request form (ใบขอใช้เงินงบประมาณ): a group earmarks money before spending.

    The money itself is in the ledger (a reservation movement, released by a reservation-release
    movement when committed or cancelled); `status` records how the form ended.
    """

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="reservations")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="reservations")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT)
    number = models.CharField(_("form number"), max_length=40)
    requester = models.CharField(_("requester"), max_length=150)
    purpose = models.CharField(_("purpose"), max_length=255, blank=True)
    amount = models.BigIntegerField(_("amount (satang)"), validators=[validate_amount])
    requested_on = models.DateField(_("requested on"))
    status = models.CharField(max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("reservation form")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="reservation_amount_positive"),
            amount_check("amount", "reservation_amount_within_limit"),
            choices_check("category", Category, "reservation_category_valid"),
            choices_check("status", ReservationStatus, "reservation_status_valid"),
            models.UniqueConstraint(fields=["fiscal_year", "unit", "number"], name="reservation_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.requester}"


class MovementKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    PULLBACK_OUT = "pullback_out", _("Pull-back (from unit)")
    PULLBACK_IN = "pullback_in", _("Pull-back (to centre)")
    RESERVATION = "reservation", _("Reservation")
    RESERVATION_RELEASE = "reservation_release", _("Reservation released")
    COMMITMENT = "commitment", _("Commitment")
    DISBURSEMENT = "disbursement", _("Disbursement")
    CARRY_OVER_OUT = "carry_over_out", _("Carried over to next year")
    CARRY_OVER_IN = "carry_over_in", _("Carried over from last year")


class BatchState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    COMMITTED = "committed", _("Committed")
    ABANDONED = "abandoned", _("Abandoned")


class LedgerBatch(models.Model):
    """Movements written in bulk (an import, or the undo of one), invisible until committed.

    A bulk writer appends its movements in short transactions while the batch is `pending`: no
    reader sees them (`Movement.objects` leaves them out) and the summary tables do not count them
    (the trigger skips rows of a batch). Committing is one short transaction: it adds the batch's
    monthly sums (`LedgerBatchMonth`, gathered while writing) to `LedgerMonth` and `LedgerStamp` and
    marks the batch committed, so every reader sees all of it or none of it. `pts.budget.bulk` is the
    only writer. A batch's movements can be inserted only while it is pending (a trigger refuses the
    rest), so no row is ever counted twice.
    """

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=BatchState.choices, default=BatchState.PENDING)
    purpose = models.CharField(max_length=80, blank=True, help_text="what wrote it, e.g. 'import 12'")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    basis = models.BigIntegerField(default=0, help_text="the highest commit_seq of the year when writing began")
    commit_seq = models.BigIntegerField(null=True, blank=True, help_text="order of commits within the year")
    movements = models.BigIntegerField(default=0)
    first_id = models.BigIntegerField(null=True, blank=True)
    last_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ledger batch")
        constraints = [
            choices_check("state", BatchState, "ledgerbatch_state_valid"),
            models.UniqueConstraint(fields=["fiscal_year", "commit_seq"], name="ledgerbatch_commit_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.state})"


class MonthSums(models.Model):
    """The count of movements and the sum of each component (`pts.budget.rollup.COMPONENTS`) of a
    unit, category and month: the columns `LedgerMonth` and `LedgerBatchMonth` share."""

    movements = models.BigIntegerField(default=0)
    allocated_original = models.BigIntegerField(default=0)
    transfers_in = models.BigIntegerField(default=0)
    transfers_out = models.BigIntegerField(default=0)
    pulled_back = models.BigIntegerField(default=0)
    received_pullbacks = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    committed_total = models.BigIntegerField(default=0)
    settled = models.BigIntegerField(default=0)
    disbursed = models.BigIntegerField(default=0)
    carried_over = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class LedgerBatchMonth(MonthSums):
    """A pending batch's sums per unit, category and month: what committing adds to `LedgerMonth`."""

    batch = models.ForeignKey(LedgerBatch, on_delete=models.CASCADE, related_name="months")
    unit_id = models.BigIntegerField()
    category = models.CharField(max_length=20)
    month = models.DateField()
    last_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "unit_id", "category", "month"], name="ledgerbatchmonth_key"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.unit_id}/{self.category}/{self.month:%Y-%m}"


class LedgerManager(models.Manager["Movement"]):
    """The ledger as every reader sees it: movements of a batch still being prepared are left out."""

    def get_queryset(self) -> models.QuerySet[Movement]:
        committed = LedgerBatch.objects.filter(state=BatchState.COMMITTED).values("pk")
        return super().get_queryset().filter(Q(batch__isnull=True) | Q(batch_id__in=committed))


class CommitmentType(models.TextChoices):
    PO = "po", _("Purchase order / contract")
    RESERVATION_WITH_DEBT = "debt_reservation", _("Reservation with debt (CK/CX)")


class Movement(models.Model):
    """One append-only ledger line. Amounts are positive in the kind's natural direction;
    a correction is a new movement of the same kind with the opposite sign (`reverses` set
    when it undoes one particular movement). Rows are never updated or deleted.
    """

    # Indexes are few on purpose (a million imported lines pay for each): the composite ones below,
    # and partial ones on the optional references, which most lines leave empty.
    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.PROTECT, related_name="movements",
                                    db_index=False)
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="movements",
                             db_index=False)  # (fiscal_year, unit, effective_date) serves the lookups
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    kind = models.CharField(_("kind"), max_length=24, choices=MovementKind.choices)
    amount = models.BigIntegerField(_("amount (satang)"), validators=[validate_amount])
    effective_date = models.DateField(_("effective date"))
    document_ref = models.CharField(_("document reference"), max_length=80, blank=True)
    commitment_type = models.CharField(max_length=20, choices=CommitmentType.choices, blank=True)
    settles_commitment = models.BooleanField(
        default=False, help_text="a disbursement paid against an earlier commitment"
    )
    reservation = models.ForeignKey(
        ReservationForm, null=True, blank=True, on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    group = models.UUIDField(null=True, blank=True, help_text="pairs both sides of a transfer")
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", db_index=False,
        help_text="the movement this one undoes (at most one undoes each)",
    )
    source_report = models.ForeignKey(
        "reporting.MonthlyReport", null=True, blank=True, on_delete=models.PROTECT, related_name="movements",
        db_index=False,
    )
    batch = models.ForeignKey(LedgerBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False, help_text="the bulk write (import) the movement belongs to")
    note = models.CharField(_("note"), max_length=255, blank=True)
    request_key = models.UUIDField(
        null=True, blank=True, editable=False,
        help_text="the submitting form's one-time key: a second submission replays the first",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "unit__path"

    objects = LedgerManager()
    with_pending = models.Manager()  # every row, a pending batch's too: only pts.budget.bulk reads it  # noqa: DJ012

    class Meta:
        ordering = ["effective_date", "id"]
        verbose_name = _("ledger movement")
        indexes = [
            models.Index(fields=["fiscal_year", "unit", "effective_date"]),
            models.Index(fields=["fiscal_year", "effective_date"]),
            # the few rows of a kind (carry-overs for the deductions) without scanning a year's ledger
            models.Index(fields=["fiscal_year", "kind"]),
            # a batch's rows are found by id range (LedgerBatch.first_id .. last_id), not by an index;
            # an imported document line already in the ledger (pts.imports: never twice):
            models.Index(fields=["fiscal_year", "document_ref"], condition=Q(batch__isnull=False) & ~Q(document_ref=""),
                         name="movement_batch_document"),
            models.Index(fields=["activity"], condition=Q(activity__isnull=False), name="movement_activity"),
            models.Index(fields=["reservation"], condition=Q(reservation__isnull=False), name="movement_reservation"),
            models.Index(fields=["source_report"], condition=Q(source_report__isnull=False),
                         name="movement_source_report"),
            models.Index(fields=["group"], condition=Q(group__isnull=False), name="movement_group"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request_key"], condition=Q(request_key__isnull=False),
                                    name="movement_request_key_unique"),
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="movement_reverses_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="movement_amount_nonzero"),
            amount_check("amount", "movement_amount_within_limit"),
            choices_check("kind", MovementKind, "movement_kind_valid"),
            choices_check("category", Category, "movement_category_valid"),
            choices_check("commitment_type", CommitmentType, "movement_commitment_type_valid", blank=True),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(amount__lt=0), name="movement_reversal_is_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="commitment") | ~Q(commitment_type=""), name="movement_commitment_has_type"
            ),
            models.CheckConstraint(
                condition=Q(settles_commitment=False) | Q(kind="disbursement"), name="movement_only_disbursements_settle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_date} {self.kind} {self.amount} {self.unit_id}/{self.category}"


class LedgerMonth(MonthSums):
    """Monthly sums of the movements per unit and category, kept by a database trigger on every
    movement insert (see `pts.budget.rollup`); never written by the application."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    unit = models.ForeignKey("organisations.Org", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    month = models.DateField(help_text="first day of the calendar month of the movements' effective date")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "unit", "category", "month"], name="ledgermonth_key"),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year_id}/{self.unit_id}/{self.category}/{self.month:%Y-%m}"


class LedgerStamp(models.Model):
    """The version of a unit's ledger in a fiscal year: how many movements, the highest id. Kept by
    the same trigger; scores stored for the unit stay valid while it is unchanged."""

    fiscal_year = models.ForeignKey(FiscalYear, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    unit = models.ForeignKey("organisations.Org", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    movements = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["fiscal_year", "unit"], name="ledgerstamp_key")]

    def __str__(self) -> str:
        return f"{self.fiscal_year_id}/{self.unit_id}: {self.movements}"


def new_group() -> uuid.UUID:
    return uuid.uuid4()
