from django import forms
from django.apps import AppConfig
from django.utils import translation

from pts.core.thai import bilingual, use_language


class WebConfig(AppConfig):
    name = "pts.web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        use_language(translation.get_language)  # messages in the page's language, Thai outside a request
        bilingual_form_errors()


def bilingual_form_errors() -> None:
    """Django's own form messages (a required field, a value not among the choices) written in Thai
    and English like every message of the product, and shown in the page's language."""
    choice = bilingual("ตัวเลือก '%(value)s' ไม่อยู่ในรายการที่เลือกได้", "'%(value)s' is not one of the choices")
    forms.Field.default_error_messages["required"] = bilingual("ต้องกรอกช่องนี้", "this field is required")
    forms.ChoiceField.default_error_messages["invalid_choice"] = choice
    forms.MultipleChoiceField.default_error_messages["invalid_choice"] = choice
    forms.MultipleChoiceField.default_error_messages["invalid_list"] = bilingual(
        "ต้องเป็นรายการของตัวเลือก", "expected a list of choices")
    forms.ModelChoiceField.default_error_messages["invalid_choice"] = bilingual(
        "ตัวเลือกนี้ไม่อยู่ในรายการที่เลือกได้", "that choice is not one of the available choices")
    forms.ModelMultipleChoiceField.default_error_messages.update(
        invalid_choice=choice, invalid_list=bilingual("ต้องเป็นรายการของตัวเลือก", "expected a list of choices"),
        invalid_pk_value=bilingual("'%(pk)s' ไม่ใช่ค่าที่ใช้ได้", "'%(pk)s' is not a valid value"))
