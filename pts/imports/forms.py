"""The imports' forms: the upload, and the matching of a layout's fields to the file's columns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pts.budget.models import FiscalYear
from pts.budget.years import current_be_year
from pts.core.thai import bilingual
from pts.imports import layouts, pipeline
from pts.imports.models import ImportMapping
from pts.organisations import scope
from pts.schemes.models import Scheme
from pts.schemes.queries import schemes_visible_to


class _YearChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.be_year)


class _SchemeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.fiscal_year.be_year})" if getattr(obj, "name", "") else str(obj)


class _MappingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({layouts.get(obj.layout).label()})" if obj.layout in layouts.available() else obj.name


class _MappingSelect(forms.Select):
    """Each saved matching's option names its kind of file (upload.js shows those of the chosen kind)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-layout"] = instance.layout
        return option


class UploadForm(forms.Form):
    layout = forms.ChoiceField(label=_("Kind of file"))
    file = forms.FileField(label=_("File (xlsx or CSV)"))
    fiscal_year = _YearChoice(label=_("Fiscal year"), queryset=FiscalYear.objects.order_by("-be_year"),
                              empty_label=None)
    scheme = _SchemeChoice(label=_("Scheme (optional)"), queryset=Scheme.objects.none(), required=False)
    mapping = _MappingChoice(label=_("Saved column matching (optional)"), queryset=ImportMapping.objects.none(),
                             required=False, widget=_MappingSelect)
    replace = forms.BooleanField(label=_("Replace the earlier import of the same file"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(code, layouts.get(code).label()) for code, _label in pipeline.layout_choices()]
        self.fields["layout"].choices = kinds  # type: ignore[attr-defined]
        be_year = current_be_year()
        self.fields["fiscal_year"].initial = (FiscalYear.objects.filter(be_year=be_year).first()
                                              if be_year is not None else None)
        self.fields["scheme"].queryset = schemes_visible_to(user).select_related("fiscal_year").order_by(  # type: ignore[attr-defined]
            "-fiscal_year__be_year", "code")
        self.fields["mapping"].queryset = scope.visible(user, ImportMapping.objects.all())  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.PTS_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(bilingual(
                f"ไฟล์ '{upload.name}' ใหญ่ {upload.size:,} ไบต์ เกินกำหนด {limit:,} ไบต์",
                f"the file '{upload.name}' is {upload.size:,} bytes, above the limit of {limit:,}"))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping = data.get("mapping")
        if mapping is not None and mapping.layout != data.get("layout"):
            self.add_error("mapping", bilingual(
                f"การจับคู่คอลัมน์ '{mapping.name}' เป็นของไฟล์อีกแบบ เลือกแบบไฟล์ให้ตรงกัน",
                f"the column matching '{mapping.name}' is for another kind of file: choose the matching kind"))
        return data


class ColumnsForm(forms.Form):
    """One select per field of the layout, offering the file's header columns; then an optional name."""

    save_as = forms.CharField(label=_("Save this matching as"), max_length=80, required=False,
                              help_text=_("A name, so that next month's file is read with no questions."))

    def __init__(self, *args: Any, layout: Any, header: list[str], initial_columns: dict[str, str], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this file —"))] + [(h, h) for h in dict.fromkeys(h for h in header if h.strip())]
        self.layout_fields = layout.fields
        for f in layout.fields:
            self.fields[f"col_{f.key}"] = forms.ChoiceField(
                label=f.label(), choices=choices, required=f.required,
                initial=initial_columns.get(f.key, ""))
        self.order_fields([f"col_{f.key}" for f in layout.fields] + ["save_as"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: dict[str, str] = {}
        for f in self.layout_fields:
            header = data.get(f"col_{f.key}")
            if not header:
                continue
            if header in seen:
                self.add_error(f"col_{f.key}", bilingual(
                    f"คอลัมน์ '{header}' ถูกเลือกให้ '{seen[header]}' แล้ว", f"the column '{header}' is already matched to '{seen[header]}'"))
            seen[header] = f.label()
        return data

    def columns(self) -> dict[str, str]:
        return {f.key: self.cleaned_data[f"col_{f.key}"] for f in self.layout_fields if self.cleaned_data.get(f"col_{f.key}")}
