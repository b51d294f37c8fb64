"""Forms of the scoring screens: the as-of picker and the coordinator's override, freeze and deduction forms."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pts.ui.fields import MonthField, ThaiDateField


class AsOfForm(forms.Form):
    as_of = ThaiDateField(label=_("As of"), required=False)
    round = forms.TypedChoiceField(label=_("Round"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], min_date: Any, max_date: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round"]).choices = rounds
        as_of = cast(ThaiDateField, self.fields["as_of"])
        as_of.min_date, as_of.max_date = min_date, max_date


class OverrideForm(forms.Form):
    round_no = forms.TypedChoiceField(label=_("Round"), coerce=int)
    criterion = forms.ChoiceField(label=_("Criterion"))
    score = forms.CharField(label=_("Score"), max_length=20)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], criteria: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round_no"]).choices = rounds
        cast(forms.ChoiceField, self.fields["criterion"]).choices = criteria


class FreezeForm(forms.Form):
    round_no = forms.TypedChoiceField(label=_("Round"), coerce=int)
    as_of = ThaiDateField(label=_("As of"))

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round_no"]).choices = rounds


class DeductionForm(forms.Form):
    """A coordinator records a deduction on a unit's score card; the action checks every rule again."""

    cause = forms.ChoiceField(label=_("Cause"))
    month = MonthField(label=_("Month"))
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, causes: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("request_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        cause = self.fields["cause"]
        assert isinstance(cause, forms.ChoiceField)
        cause.choices = causes


class DeductionWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), widget=forms.Textarea(attrs={"rows": 2}))
