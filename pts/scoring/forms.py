"""Forms of the scoring screens: the as-of picker and the coordinator's override, freeze and deduction forms."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pts.scoring.ruleedit import choice_key, shown
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


class RuleSetEditForm(forms.Form):
    """Every editable value of a rule set (`pts.scoring.ruleedit.fields`), named in the users' words.
    The fields read text; `ruleedit.apply` and the engine's loader decide what is valid."""

    comment = forms.CharField(label=_("What changed and why"), max_length=500, required=False,
                              widget=forms.TextInput(attrs={"size": 60}))

    def __init__(self, *args: Any, edit_fields: list[Any], lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.edit_fields = edit_fields
        self.lang = lang
        for f in edit_fields:
            label = f.label(lang)
            if f.kind == "bool":
                field: forms.Field = forms.BooleanField(label=label, required=False, initial=f.value)
            elif f.kind == "option":  # named choices; ruleedit.apply refuses anything else, naming the field
                field = forms.CharField(label=label, initial=choice_key(f.value), required=False, help_text=f.help(lang),
                                        widget=forms.Select(choices=[(c[0], c[2] if lang == "en" else c[1])
                                                                     for c in f.choices]))
            elif f.choices and any(c[0] == str(f.value) for c in f.choices):
                field = forms.ChoiceField(label=label, initial=str(f.value), required=False,
                                          choices=[(c[0], c[2] if lang == "en" else c[1]) for c in f.choices])
            else:
                field = forms.CharField(label=label, required=False, initial=shown(f.value), max_length=40,
                                        widget=forms.TextInput(attrs={"size": 6 if f.kind in ("target", "percent", "number") else 14}))
            self.fields[f.name] = field
        self.order_fields([f.name for f in edit_fields] + ["comment"])

    def groups(self) -> list[dict[str, Any]]:
        """Groups of bound fields in the rule set's order, for the template: a curve is one row of
        short column headings ("ไตรมาส 2"), anything else one row per field."""
        out: list[dict[str, Any]] = []
        for f in self.edit_fields:
            title = f.group_en if self.lang == "en" else f.group_th
            if not out or out[-1]["title"] != title:
                out.append({"title": title, "fields": [], "row": bool(f.short_th)})
            out[-1]["fields"].append({"bound": self[f.name], "short": f.short_en if self.lang == "en" else f.short_th,
                                      "text": self._text(f)})
        return out


    def _text(self, f: Any) -> str:
        """A value as a reader sees it: an option by its choice's name."""
        if f.kind == "option":
            return next((c[2] if self.lang == "en" else c[1] for c in f.choices if c[0] == choice_key(f.value)),
                        shown(f.value))
        return shown(f.value)


class RuleSetImportForm(forms.Form):
    file = forms.FileField(label=_("Rule-set file (TOML)"))
    comment = forms.CharField(label=_("What changed and why"), max_length=500, required=False)
