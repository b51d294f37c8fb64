"""Forms for organisations and people. They only read input; the actions validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pts.core.thai import bilingual, normalize_digits
from pts.organisations.actions import password_problems
from pts.organisations.models import Org, Role, User


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError onto the form: on the named fields, else on the whole form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # Thai forms put no colon after a label
        super().__init__(*args, **kwargs)


class OrgCreateForm(Form):
    kind = forms.ChoiceField(label=_("Kind"))
    code = forms.CharField(
        label=_("Code"), max_length=20,
        help_text=_("A disbursing unit's code is its 10-digit GFMIS code (Thai digits are accepted)."),
    )
    name_th = forms.CharField(label=_("Name (Thai)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = kinds

    def clean_code(self) -> str:
        return normalize_digits(self.cleaned_data["code"]).strip()


class OrgUpdateForm(Form):
    name_th = forms.CharField(label=_("Name (Thai)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class UserCreateForm(Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    is_superuser = forms.BooleanField(label=_("Administrator"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            candidate = User(username=data.get("username", ""), display_name=data.get("display_name", ""),
                             email=data.get("email", ""))
            for problem in password_problems(data["password"], candidate):
                self.add_error("password", problem)
        return data


class UserUpdateForm(Form):
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False)


class PasswordResetForm(Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput(render_value=False))


class RoleGrantForm(Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    org_code = forms.CharField(label=_("Organisation code"), max_length=20)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise ValidationError(
                bilingual(f"ไม่พบผู้ใช้ '{username}'", f"no user named '{username}'"), code="unknown"
            ) from exc

    def clean_org_code(self) -> Org:
        code = normalize_digits(self.cleaned_data["org_code"]).strip()
        try:
            return Org.objects.get(code=code)
        except Org.DoesNotExist as exc:
            raise ValidationError(
                bilingual(f"ไม่พบหน่วยงานรหัส '{code}'", f"no organisation with code '{code}'"), code="unknown"
            ) from exc
