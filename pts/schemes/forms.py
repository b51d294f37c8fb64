"""Scheme forms: they read input; every rule is checked again by the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pts.budget.models import Category, FiscalYear
from pts.organisations import scope
from pts.organisations.models import Org
from pts.schemes.hooks import HOOKS
from pts.schemes.models import Denominator, Scheme, SchemeKind


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.code} {obj.name}"


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.code} {obj.name}"


class SchemeSettingsForm(forms.Form):
    """Name, rule set, denominator, series, calendar and units: what an existing scheme can change."""

    name = forms.CharField(label=_("Name"), max_length=255)
    rule_set = forms.CharField(
        label=_("Rule set"), max_length=80, required=False,
        help_text=_("Leave empty for the default rule set of the scheme kind."),
    )
    denominator = forms.ChoiceField(label=_("Denominator"), choices=Denominator.choices)
    series_overall = forms.MultipleChoiceField(
        label=_("Overall series"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    series_recurring = forms.MultipleChoiceField(
        label=_("Recurring series"), choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    series_capital = forms.MultipleChoiceField(
        label=_("Capital series"), choices=Category.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    as_of_day = forms.IntegerField(
        label=_("Figures as of day"), min_value=1, max_value=31, required=False,
        help_text=_("Leave empty for the last day of the month."),
    )
    deadline_day = forms.IntegerField(label=_("Deadline day"), min_value=1, max_value=31, initial=25)
    deadline_month_offset = forms.TypedChoiceField(
        label=_("Deadline month"), coerce=int, initial=0,
        choices=[(0, _("the same month")), (1, _("the next month")), (2, _("two months later"))],
    )
    lock_after_deadline = forms.BooleanField(label=_("Lock the period after its deadline"), required=False, initial=True)
    units = OrgMultipleChoiceField(
        label=_("Units evaluated"), queryset=Org.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    deadline_sets = forms.MultipleChoiceField(
        label=_("Procurement deadlines that apply"), choices=(), widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Ticked by default: those issued for the scheme's fiscal year and kind."),
    )

    def __init__(self, *args: Any, user: Any, scheme: Scheme | None = None, **kwargs: Any) -> None:
        if scheme is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": scheme.name, "rule_set": scheme.rule_set, "denominator": scheme.denominator,
                "series_overall": scheme.series.get("overall", []),
                "series_recurring": scheme.series.get("recurring", []),
                "series_capital": scheme.series.get("capital", []),
                "as_of_day": scheme.as_of_day, "deadline_day": scheme.deadline_day,
                "deadline_month_offset": scheme.deadline_month_offset,
                "lock_after_deadline": scheme.lock_after_deadline, "units": list(scheme.units.all()),
                "deadline_sets": (HOOKS.default_deadline_sets(scheme.fiscal_year.be_year, scheme.kind)
                                  if scheme.deadline_sets is None else scheme.deadline_sets),
            }
        super().__init__(*args, **kwargs)
        if scheme is None:  # a new scheme applies the sets of its own year and kind; it chooses once made
            del self.fields["deadline_sets"]
        else:
            sets_field = self.fields["deadline_sets"]
            assert isinstance(sets_field, forms.MultipleChoiceField)
            sets_field.choices = HOOKS.deadline_set_choices(scheme.fiscal_year.be_year, scheme.kind)
        candidates = Org.objects.units()
        if scheme is not None:
            candidates = candidates.subtree_of([scheme.coordinator_org])
        units_field = self.fields["units"]
        assert isinstance(units_field, forms.ModelMultipleChoiceField)
        units_field.queryset = scope.coordinated(user, candidates).order_by("path")
        # a rule set is chosen from a closed list (shipped and in-app), never typed: no path reaches a file
        choices = HOOKS.rule_set_choices(user, scheme.coordinator_org if scheme is not None else None,
                                         get_language() or "th")
        if choices is not None:
            current = scheme.rule_set if scheme is not None else ""
            if current and current not in dict(choices):
                choices = [*choices, (current, HOOKS.rule_set_label(current, get_language() or "th"))]
            self.fields["rule_set"] = forms.ChoiceField(
                label=_("Rule set"), required=False,
                choices=[("", _("The default of the scheme kind")), *choices],
            )

    def series(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        series = {"overall": list(data["series_overall"])}
        for name in ("recurring", "capital"):
            if data.get(f"series_{name}"):
                series[name] = list(data[f"series_{name}"])
        return series


class SchemeCreateForm(SchemeSettingsForm):
    code = forms.SlugField(label=_("Scheme id"), max_length=60, help_text=_("e.g. province-2569"))
    kind = forms.ChoiceField(label=_("Scheme kind"), choices=SchemeKind.choices)
    fiscal_year = forms.ModelChoiceField(label=_("Fiscal year (BE)"), queryset=FiscalYear.objects.all())
    coordinator_org = OrgChoiceField(label=_("Run from (coordinating organisation)"), queryset=Org.objects.none())

    field_order = ["code", "name", "kind", "fiscal_year", "coordinator_org"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"series_overall": ["operating", "capital", "subsidy", "other"],
                                      "series_recurring": ["operating", "subsidy", "other"],
                                      "series_capital": ["capital"], "deadline_day": 25,
                                      "deadline_month_offset": 0, "lock_after_deadline": True})
        super().__init__(*args, user=user, **kwargs)
        root_field = self.fields["coordinator_org"]
        assert isinstance(root_field, forms.ModelChoiceField)
        root_field.queryset = scope.coordinated(user, Org.objects.all()).order_by("path")
