"""Django's own form messages are bilingual too: a required field, a value not among the choices."""

from __future__ import annotations

from django import forms
from django.utils import translation


class Pick(forms.Form):
    colour = forms.ChoiceField(choices=[("red", "red")])
    many = forms.MultipleChoiceField(choices=[("a", "a")], required=False)
    note = forms.CharField()


def test_required_and_invalid_choice_messages_name_the_value_in_thai_and_english():
    expected = {
        "th": {"colour": ["ตัวเลือก 'blue' ไม่อยู่ในรายการที่เลือกได้"], "many": ["ตัวเลือก 'z' ไม่อยู่ในรายการที่เลือกได้"],
               "note": ["ต้องกรอกช่องนี้"]},
        "en": {"colour": ["'blue' is not one of the choices"], "many": ["'z' is not one of the choices"],
               "note": ["this field is required"]},
    }
    for language in ("th", "en"):  # the page's language only, one at a time
        with translation.override(language):
            errors = Pick({"colour": "blue", "many": ["z"], "note": ""}).errors
            assert {k: list(v) for k, v in errors.items()} == expected[language]
