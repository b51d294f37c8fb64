"""The sign-in form, with messages in Thai and English that do not say which half was wrong."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from pts.core.thai import bilingual


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": bilingual(
            "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "the username or password is not correct"
        ),
        "inactive": bilingual("บัญชีนี้ถูกระงับ", "this account is disabled"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
