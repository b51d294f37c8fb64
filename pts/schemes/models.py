"""Schemes: a coordinator's programme that evaluates a set of units in one fiscal year,
with its rule set, denominator, category-to-series mapping and reporting calendar."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pts.budget import queries as budget_queries
from pts.core.constraints import choices_check
from pts.core.fiscal import Month


class Denominator(models.TextChoices):
    CURRENT = "current", _("Current allocation (after transfers and pull-backs)")
    ORIGINAL = "original", _("Original allocation")


class SchemeKind(models.TextChoices):
    PROVINCE = "province", _("Provincial scheme")
    DEPARTMENT = "department", _("Department / bureau KPI")


def default_series() -> dict[str, list[str]]:
    """KPI 2.3's series, the ledger's own (the field's default: migrations name this function)."""
    return budget_queries.default_series()


class Scheme(models.Model):
    code = models.SlugField(_("scheme id"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=SchemeKind.choices)
    fiscal_year = models.ForeignKey("budget.FiscalYear", on_delete=models.PROTECT, related_name="schemes")
    coordinator_org = models.ForeignKey(
        "organisations.Org", on_delete=models.PROTECT, related_name="coordinated_schemes",
        help_text="the root the scheme runs from; pulled-back money returns here",
    )
    units = models.ManyToManyField("organisations.Org", related_name="schemes", blank=True)
    rule_set = models.CharField(_("rule set"), max_length=80, blank=True)
    denominator = models.CharField(max_length=10, choices=Denominator.choices, default=Denominator.CURRENT)
    series = models.JSONField(_("series (category mapping)"), default=default_series)
    # Reporting calendar: figures as of `as_of_day` (None = month end) of month M, due by
    # `deadline_day` of month M + `deadline_month_offset`.
    as_of_day = models.PositiveSmallIntegerField(null=True, blank=True)
    deadline_day = models.PositiveSmallIntegerField(default=25)
    deadline_month_offset = models.PositiveSmallIntegerField(default=0)
    lock_after_deadline = models.BooleanField(default=True)
    # Procurement deadline sets (ids of pts/procurement/data/deadlines-<id>.toml) that judge the
    # projects of its units; None: those issued for its own fiscal year and kind of scheme.
    deadline_sets = models.JSONField(_("deadline sets"), null=True, blank=True, default=None)

    scope_path = "coordinator_org__path"

    class Meta:
        ordering = ["code"]
        verbose_name = _("scheme")
        constraints = [
            choices_check("kind", SchemeKind, "scheme_kind_valid"),
            choices_check("denominator", Denominator, "scheme_denominator_valid"),
            models.CheckConstraint(condition=Q(deadline_day__gte=1) & Q(deadline_day__lte=31), name="scheme_deadline_day"),
            models.CheckConstraint(
                condition=Q(as_of_day__isnull=True) | (Q(as_of_day__gte=1) & Q(as_of_day__lte=31)),
                name="scheme_as_of_day",
            ),
            models.CheckConstraint(condition=Q(deadline_month_offset__lte=2), name="scheme_deadline_offset"),
        ]

    def __str__(self) -> str:
        return self.code

    def as_of(self, month: Month):  # noqa: ANN201 - date
        return month.last_day if self.as_of_day is None else month.day(self.as_of_day)

    def deadline(self, month: Month):  # noqa: ANN201 - date
        target = month
        for _i in range(self.deadline_month_offset):
            target = target.next()
        return target.day(self.deadline_day)
