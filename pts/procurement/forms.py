"""Procurement forms. They read input (baht as satang, BE dates, Thai digits); the actions check
the rest and their refusals are shown on the field they name."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from pts.budget.models import Category
from pts.core.thai import bilingual
from pts.organisations import scope
from pts.organisations.models import Org, User
from pts.procurement.models import Method, clean_egp, clean_fund_code
from pts.ui.fields import AmountField, ThaiDateField


class ActionForm(forms.Form):
    """Shows an action's ValidationError on the field it names (or above the form)."""

    def add_action_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields and name != NON_FIELD_ERRORS else None, errors)
        else:
            self.add_error(None, exc.messages)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class ProjectFieldsForm(ActionForm):
    name = forms.CharField(label=_("Project"), max_length=255)
    category = forms.ChoiceField(label=_("Budget category"), choices=Category.choices, initial=Category.CAPITAL)
    fund_code = forms.CharField(label=_("Source-of-funds code"), max_length=20, required=False,
                                help_text=_("7 digits, e.g. 6611310"))
    allocated = AmountField(label=_("Allocated (baht)"), allow_zero=False)
    reference_price = AmountField(label=_("Reference price (baht)"), required=False)
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, initial=Method.E_BIDDING)
    multi_year = forms.BooleanField(label=_("Multi-year contract"), required=False)
    egp_number = forms.CharField(label=_("e-GP project number"), max_length=20, required=False,
                                 help_text=_("11 digits"))
    officer_name = forms.CharField(label=_("Responsible officer"), max_length=150, required=False)
    officer = OfficerChoiceField(label=_("Responsible officer (user)"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, officers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if officers is not None:
            cast(forms.ModelChoiceField, self.fields["officer"]).queryset = officers

    def clean_fund_code(self) -> str:
        return _field(clean_fund_code, self.cleaned_data["fund_code"])

    def clean_egp_number(self) -> str:
        return _field(clean_egp, self.cleaned_data["egp_number"])


def _field(cleaner: Any, value: Any) -> Any:
    try:
        return cleaner(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from exc


class ProjectCreateForm(ProjectFieldsForm):
    start = ThaiDateField(label=_("Plan forward from (first milestone)"), required=False)
    target_contract = ThaiDateField(label=_("Or plan backwards to a contract date"), required=False)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("start")) == bool(data.get("target_contract")):
            raise forms.ValidationError(bilingual(
                "ระบุวันเริ่มต้นแผน หรือวันลงนามสัญญาเป้าหมาย อย่างใดอย่างหนึ่ง",
                "give either the start of the plan or a target contract date (one of them)"))
        return data


class ProjectEditForm(ProjectFieldsForm):
    contract_number = forms.CharField(label=_("Contract number"), max_length=80, required=False)
    contract_value = AmountField(label=_("Contract value (baht)"), required=False)
    contractor = forms.CharField(label=_("Contractor"), max_length=255, required=False)
    po_number = forms.CharField(label=_("PO number"), max_length=80, required=False)
    po_date = ThaiDateField(label=_("PO date"), required=False)


class MilestoneForm(ActionForm):
    planned = ThaiDateField(label=_("Planned date"), required=False)
    actual = ThaiDateField(label=_("Actual date"), required=False)
    record_commitment = forms.BooleanField(
        label=_("Also record the commitment in the ledger (contract value, contract or PO number)"), required=False)


class MilestonesForm(ActionForm):
    """Planned and actual date of every milestone of a project: fields `<code>__planned` / `<code>__actual`."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for m in rows:
            self.fields[f"{m.code}__planned"] = ThaiDateField(label=_("Planned"), required=False, initial=m.planned)
            self.fields[f"{m.code}__actual"] = ThaiDateField(label=_("Actual"), required=False, initial=m.actual)

    def pairs(self) -> list[tuple[Any, Any, Any]]:
        return [(m, self[f"{m.code}__planned"], self[f"{m.code}__actual"]) for m in self.rows]

    def changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        planned, actual = {}, {}
        for m in self.rows:
            p, a = self.cleaned_data[f"{m.code}__planned"], self.cleaned_data[f"{m.code}__actual"]
            if p != m.planned:
                planned[m.code] = p
            if a != m.actual:
                actual[m.code] = a
        return planned, actual

    def add_action_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(f"{name}__planned" if f"{name}__planned" in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class RoundUpdateForm(ActionForm):
    round_month = forms.TypedChoiceField(label=_("Reporting round"), choices=(), coerce=str)
    obstacles = forms.CharField(label=_("Obstacles"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                max_length=4000)
    remedy = forms.CharField(label=_("Remedy"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                             max_length=4000)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, rounds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["round_month"]).choices = rounds
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())


class InstalmentForm(ActionForm):
    deliverable = forms.CharField(label=_("Deliverable"), max_length=255)
    due_date = ThaiDateField(label=_("Due date"))
    amount = AmountField(label=_("Amount (baht)"), allow_zero=False)
    accepted_on = ThaiDateField(label=_("Accepted on"), required=False)
    paid_on = ThaiDateField(label=_("Paid on"), required=False)


class HolidayForm(ActionForm):
    day = ThaiDateField(label=_("Date"))
    name = forms.CharField(label=_("Name"), max_length=200)
    org = forms.ChoiceField(label=_("Day off for"), choices=())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        national = bool(getattr(user, "is_superuser", False))
        choices: list[tuple[str, Any]] = [("", _("the whole country"))] if national else []
        choices += [(str(o.pk), _("%(org)s and every unit below it") % {"org": o.name})
                    for o in scope.coordinator_orgs(user).order_by("path")]
        field = cast(forms.ChoiceField, self.fields["org"])
        field.choices = choices
        field.required = not national

    def clean_org(self) -> Org | None:
        value = self.cleaned_data.get("org") or ""
        return scope.coordinator_orgs(self.user).get(pk=int(value)) if value else None


class ImportForm(ActionForm):
    file = forms.FileField(label=_("PTS workbook (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.PTS_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(bilingual(
                f"ไฟล์ '{upload.name}' ใหญ่ {upload.size:,} ไบต์ เกินกำหนด {limit:,} ไบต์",
                f"the file '{upload.name}' is {upload.size:,} bytes, above the limit of {limit:,}"))
        return upload
