"""Ledger forms. They only read and check input (amounts as satang, BE dates inside the fiscal
year); the actions in pts.budget.actions do the rest and their errors are shown on the form."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pts.budget.models import Activity, Category, CommitmentType, FiscalYear, MovementKind
from pts.core.thai import bilingual
from pts.organisations.models import Org
from pts.ui.fields import AmountField, ThaiDateField


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        return f"{obj.code} {obj.name}"


class LedgerForm(forms.Form):
    """Common to every ledger form: dates limited to the fiscal year, and a one-time key that
    makes a double submission replay the first one."""

    date_fields: tuple[str, ...] = ("effective_date",)
    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, fiscal_year: FiscalYear, min_date: date | None = None,
                 max_date: date | None = None, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fiscal_year = fiscal_year
        low, high = min_date or fiscal_year.start, max_date or fiscal_year.end
        for name in self.date_fields:
            field = self.fields.get(name)
            if isinstance(field, ThaiDateField):
                field.min_date, field.max_date = low, high
                if today is not None and not self.is_bound:
                    # Suggest today, or the nearest day the form accepts.
                    self.initial.setdefault(name, min(max(today, low), high))
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())

    def add_action_error(self, exc: ValidationError) -> None:
        """Show an action's refusal on the field it names (or above the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields and field != NON_FIELD_ERRORS else None, errors)
        else:
            self.add_error(None, exc.messages)


def _choices(form: forms.Form, name: str, queryset: QuerySet[Any], *, optional: bool = False) -> None:
    """Set a choice field's rows; an optional field with nothing to choose is left out."""
    if optional and not queryset.exists():
        del form.fields[name]
        return
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


def _category_field(**kwargs: Any) -> forms.ChoiceField:
    kwargs.setdefault("initial", Category.OPERATING)
    return forms.ChoiceField(label=_("Budget category"), choices=Category.choices, **kwargs)


def _amount_field(**kwargs: Any) -> AmountField:
    kwargs.setdefault("allow_zero", False)
    return AmountField(label=_("Amount (baht)"), **kwargs)


def _date_field(label: Any = None) -> ThaiDateField:
    return ThaiDateField(label=label or _("Effective date"))


def _doc_field(required: bool = False) -> forms.CharField:
    return forms.CharField(label=_("Document reference"), max_length=80, required=required)


def _note_field(label: Any = None) -> forms.CharField:
    return forms.CharField(label=label or _("Note"), max_length=255, required=False)


class AllocationForm(LedgerForm):
    category = _category_field()
    amount = _amount_field()
    effective_date = _date_field()
    document_ref = _doc_field()
    note = _note_field()


class TransferForm(LedgerForm):
    to_unit = OrgChoiceField(label=_("To unit"), queryset=Org.objects.none())
    category = _category_field()
    to_category = forms.ChoiceField(
        label=_("To category"), choices=[("", _("(same category)")), *Category.choices], required=False
    )
    amount = _amount_field()
    effective_date = _date_field()
    document_ref = _doc_field()
    note = _note_field()

    def __init__(self, *args: Any, targets: QuerySet[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "to_unit", targets)


class PullbackForm(LedgerForm):
    centre = OrgChoiceField(label=_("Pull back to (centre)"), queryset=Org.objects.none())
    category = _category_field()
    amount = _amount_field()
    effective_date = _date_field()
    document_ref = _doc_field()
    note = _note_field()

    def __init__(self, *args: Any, centres: QuerySet[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "centre", centres)


class CarryOverForm(LedgerForm):
    category = _category_field()
    amount = _amount_field()
    effective_date = _date_field()
    document_ref = _doc_field()
    commitment_type = forms.ChoiceField(label=_("Commitment type"), choices=CommitmentType.choices)
    note = _note_field()


class _SpendingForm(LedgerForm):
    """Commitments and disbursements: a negative amount is a correction and needs a note."""

    def __init__(self, *args: Any, activities: QuerySet[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "activity", activities, optional=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("amount")
        if amount is not None and amount < 0 and not (data.get("note") or "").strip():
            self.add_error("note", bilingual("จำนวนเงินติดลบเป็นการแก้ไข: ต้องระบุเหตุผลในหมายเหตุ",
                                             "a negative amount is a correction: give the reason in the note"))
        return data


class CommitmentForm(_SpendingForm):
    category = _category_field()
    amount = _amount_field(allow_negative=True, help_text=_("A negative amount corrects an earlier commitment."))
    effective_date = _date_field()
    document_ref = _doc_field(required=True)
    commitment_type = forms.ChoiceField(label=_("Commitment type"), choices=CommitmentType.choices)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none(), required=False)
    note = _note_field()


class DisbursementForm(_SpendingForm):
    category = _category_field()
    amount = _amount_field(allow_negative=True, help_text=_("A negative amount corrects an earlier disbursement."))
    effective_date = _date_field()
    document_ref = _doc_field()
    settles_commitment = forms.BooleanField(label=_("Paid against an outstanding commitment (PO/contract)"),
                                            required=False)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none(), required=False)
    note = _note_field()


class ReservationCreateForm(LedgerForm):
    date_fields = ("requested_on",)
    number = forms.CharField(label=_("Form number"), max_length=40)
    requester = forms.CharField(label=_("Requester"), max_length=150)
    category = _category_field()
    amount = _amount_field()
    requested_on = _date_field(_("Requested on"))
    purpose = forms.CharField(label=_("Purpose"), max_length=255, required=False)
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.none(), required=False)

    def __init__(self, *args: Any, activities: QuerySet[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "activity", activities, optional=True)


class ReservationCommitForm(LedgerForm):
    effective_date = _date_field()
    document_ref = _doc_field(required=True)
    commitment_type = forms.ChoiceField(label=_("Commitment type"), choices=CommitmentType.choices)
    amount = _amount_field(required=False, help_text=_("Leave empty to commit the reserved amount."))


class ReservationCancelForm(LedgerForm):
    effective_date = _date_field()
    note = _note_field(_("Reason"))


class ReverseForm(LedgerForm):
    effective_date = _date_field(_("Date of the reversal"))
    reason = forms.CharField(label=_("Reason"), max_length=255)


class MovementFilterForm(forms.Form):
    """GET filters of a unit's movement list."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *MovementKind.choices], required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("All categories")), *Category.choices],
                                 required=False)
