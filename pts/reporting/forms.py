"""Reporting forms: they read what people type; the actions check every rule again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pts.budget.models import FiscalYear
from pts.core.categories import category_th
from pts.core.thai import bilingual
from pts.reporting.actions import FIGURE_EN, FIGURE_TH, line_field
from pts.reporting.models import EvidenceKind
from pts.reporting.queries import FormLine
from pts.ui.fields import AmountField, ThaiDateField

FIGURES = ("committed", "disbursed")


class ReportForm(forms.Form):
    """Cumulative committed and disbursed per category, a note of obstacles, and the version loaded."""

    obstacles = forms.CharField(label=_("Obstacles and remedies"), widget=forms.Textarea(attrs={"rows": 4}),
                                required=False, max_length=5000)
    correction_note = forms.CharField(
        label=_("Explanation of a correction"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        max_length=2000,
        help_text=_("Needed when a figure differs from the ledger or is below the month already accepted."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, lines: list[FormLine], disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            for figure in FIGURES:
                self.fields[line_field(line.category, figure)] = AmountField(
                    label=f"{line.label} – {FIGURE_TH[figure]}", required=True, disabled=disabled,
                )
        if disabled:
            for name in ("obstacles", "correction_note"):
                self.fields[name].disabled = True

    def full_clean(self) -> None:
        super().full_clean()
        # Each amount error names its category and figure, in Thai and English, before the value.
        for line in self.lines:
            for figure in FIGURES:
                name = line_field(line.category, figure)
                if name in self.errors:
                    prefix = bilingual(f"{category_th(line.category)} {FIGURE_TH[figure]}",
                                       f"{line.category} {FIGURE_EN[figure]}")
                    self.errors[name] = self.error_class([f"{prefix}: {m}" for m in self.errors[name]])

    def rows(self) -> list[dict[str, Any]]:
        """One row per category for the template: its ledger figures and its two bound fields."""
        return [
            {"line": line, "committed": self[line_field(line.category, "committed")],
             "disbursed": self[line_field(line.category, "disbursed")]}
            for line in self.lines
        ]

    def differs_from_ledger(self) -> set[str]:
        """The fields whose figure (as typed, or as stored) is not the ledger's as of the as-of date."""
        out = set()
        data = getattr(self, "cleaned_data", None) if self.is_bound else None
        for line in self.lines:
            for figure, ledger in (("committed", line.ledger_committed), ("disbursed", line.ledger_disbursed)):
                name = line_field(line.category, figure)
                value = data.get(name) if data is not None else (None if self.is_bound else self.initial.get(name))
                if value is not None and value != ledger:
                    out.add(name)
        return out

    def report_lines(self) -> dict[str, tuple[int, int]]:
        data = self.cleaned_data
        return {
            line.category: (data[line_field(line.category, "committed")], data[line_field(line.category, "disbursed")])
            for line in self.lines
        }


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for return"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    correct_by = ThaiDateField(label=_("Correct by (inclusive)"), required=False,
                               help_text=_("The period stays open for this unit until then, even once locked."))


class UnitReopenForm(forms.Form):
    until = ThaiDateField(label=_("Reopen for this unit until (inclusive)"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class ReopenRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why the report is late"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class DeclineForm(forms.Form):
    answer = forms.CharField(label=_("Reason for declining"), max_length=2000)


class ReopenForm(forms.Form):
    until = ThaiDateField(label=_("Reopen until (inclusive)"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document kind"), choices=EvidenceKind.choices)
    month = forms.ChoiceField(label=_("Month"), required=False,
                              help_text=_("For minutes and publications; not for the committee order."))
    event_date = ThaiDateField(label=_("Date"))
    uploaded_file = forms.FileField(label=_("File (PDF, PNG or JPEG)"))

    def __init__(self, *args: Any, fiscal_year: FiscalYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        month_field = self.fields["month"]
        assert isinstance(month_field, forms.ChoiceField)
        month_field.choices = [("", "–")] + [(m.iso(), m.thai_short()) for m in fiscal_year.months]
        self.fiscal_year = fiscal_year

    def clean_month(self) -> Any:
        value = self.cleaned_data["month"]
        if not value:
            return None
        for month in self.fiscal_year.months:
            if month.iso() == value:
                return month.first_day
        raise forms.ValidationError(bilingual(f"เดือน '{value}' ไม่ถูกต้อง", f"month '{value}' is invalid"))
