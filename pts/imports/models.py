"""Imports: a file taken as it is, mapped, validated, previewed, committed whole, and undone whole.

An `ImportBatch` is one file's journey (see `pts.imports.pipeline`); a ledger import writes its
movements into a pending `pts.budget.LedgerBatch` while it is read (unseen by anyone), so the
preview's totals are those of the rows that will be committed, and committing is one short
transaction. Other layouts (the unit list, the CGD workbook, the PTS sheet) keep their rows in
`StagedRow` until committed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pts.core.constraints import choices_check


class Layout(models.TextChoices):
    UNITS = "units", _("Unit list")
    SNAPSHOT = "snapshot", _("Monthly figures (cumulative)")
    CGD = "cgd", _("CGD workbook")
    GFMIS = "gfmis", _("GFMIS document lines")
    BUREAU = "bureau", _("Bureau sheet")
    PTS = "pts", _("PTS procurement sheet")


class State(models.TextChoices):
    QUEUED = "queued", _("Waiting to be read")
    READING = "reading", _("Being read")
    MAPPING = "mapping", _("Columns to match")
    REFUSED = "refused", _("Refused")
    PREVIEWED = "previewed", _("Ready to confirm")
    CONFIRMED = "confirmed", _("Confirmed, waiting to be written")
    COMMITTING = "committing", _("Being written")
    COMMITTED = "committed", _("Imported")
    UNDOING = "undoing", _("Being undone")
    UNDONE = "undone", _("Undone")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


# states in which a job is working on the batch (a background worker holds it, with a heartbeat)
WORKING = (State.READING, State.COMMITTING, State.UNDOING)


class ImportBatch(models.Model):
    """One uploaded file and everything the import did with it."""

    layout = models.CharField(_("layout"), max_length=12, choices=Layout.choices)
    fiscal_year = models.ForeignKey("budget.FiscalYear", on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey("schemes.Scheme", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+",
                            help_text="whose data it writes: the importer's organisation")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(default=0)
    stored_file = models.CharField(max_length=255, blank=True, help_text="under MEDIA_ROOT, until committed")
    sheet = models.CharField(max_length=100, blank=True)
    mapping = models.ForeignKey("imports.ImportMapping", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    columns = models.JSONField(default=dict, blank=True, help_text="field key -> the file's header text")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    phase = models.CharField(max_length=40, blank=True)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=80, blank=True)
    rows = models.BigIntegerField(default=0, help_text="data rows read")
    lines = models.BigIntegerField(default=0, help_text="lines to write")
    skipped = models.BigIntegerField(default=0, help_text="lines already imported by an earlier file")
    error_count = models.BigIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    ledger_batch = models.OneToOneField("budget.LedgerBatch", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    undo_batch = models.OneToOneField("budget.LedgerBatch", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    scope_path = "org__path"

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import")
        indexes = [models.Index(fields=["state", "heartbeat_at"])]
        constraints = [
            choices_check("layout", Layout, "importbatch_layout_valid"),
            choices_check("state", State, "importbatch_state_valid"),
            # one committed import of a file per layout and year: a re-import must replace it
            models.UniqueConstraint(fields=["fiscal_year", "layout", "sha256"], condition=Q(state="committed"),
                                    name="importbatch_one_committed_file"),
        ]

    def __str__(self) -> str:
        return f"{self.get_layout_display()} {self.file_name}"


class StagedRow(models.Model):
    """A validated row of a layout that does not write ledger lines (units, CGD, PTS sheet)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="staged")
    line = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["batch", "line"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class BatchTotal(models.Model):
    """The preview's figures: per unit, category and kind, how many lines and how much."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="totals")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20)
    kind = models.CharField(max_length=24)
    lines = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["batch", "unit__code", "category", "kind"]
        constraints = [models.UniqueConstraint(fields=["batch", "unit", "category", "kind"], name="batchtotal_key")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.unit_id}/{self.category}/{self.kind}"


class BatchIssue(models.Model):
    """One error (or warning) found in the file: where, the value, and why, in both languages."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    sheet = models.CharField(max_length=100, blank=True)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=120, blank=True)
    value = models.CharField(max_length=200, blank=True)
    message_th = models.TextField()
    message_en = models.TextField()
    warning = models.BooleanField(default=False)

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.sheet} {self.row} {self.column}: {self.message_en}"


class ImportMapping(models.Model):
    """Which column of a file holds which field, saved by name for next month's file."""

    org = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+")
    layout = models.CharField(max_length=12, choices=Layout.choices)
    name = models.CharField(_("name"), max_length=80)
    columns = models.JSONField(help_text="field key -> the header text of its column")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    scope_path = "org__path"

    class Meta:
        ordering = ["layout", "name"]
        verbose_name = _("column mapping")
        constraints = [
            models.UniqueConstraint(fields=["org", "layout", "name"], name="importmapping_name_unique"),
            choices_check("layout", Layout, "importmapping_layout_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Series(models.TextChoices):
    RECURRING = "recurring", _("Recurring expenditure")
    CAPITAL = "capital", _("Capital expenditure")
    OVERALL = "overall", _("Overall")


class ExternalFigure(models.Model):
    """A figure another system published (the CGD monthly workbook), kept as it was given: rounded
    to the million baht it was written in, so it is compared with the ledger, never added to it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="figures")
    source = models.CharField(max_length=12, default="cgd")
    unit = models.ForeignKey("organisations.Org", on_delete=models.PROTECT, related_name="+")
    series = models.CharField(max_length=12, choices=Series.choices)
    as_of = models.DateField()
    budget_after_transfers = models.BigIntegerField(default=0, help_text="satang")
    allocated = models.BigIntegerField(default=0, help_text="satang")
    committed = models.BigIntegerField(default=0, help_text="satang: PO + reservations with debt")
    disbursed = models.BigIntegerField(default=0, help_text="satang")
    spent = models.BigIntegerField(default=0, help_text="satang")

    scope_path = "unit__path"

    class Meta:
        ordering = ["as_of", "unit__code", "series"]
        verbose_name = _("published figure")
        indexes = [models.Index(fields=["source", "unit", "as_of"])]
        constraints = [
            models.UniqueConstraint(fields=["batch", "unit", "series"], name="externalfigure_key"),
            choices_check("series", Series, "externalfigure_series_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.as_of} {self.unit_id}/{self.series}"
