"""Formatting filters and tags, in every template: |baht, |bahttext, |thai_date, |month_label, |percent, |unlocalize, {% url_if %}."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django import template
from django.templatetags.l10n import unlocalize as _l10n_unlocalize
from django.utils import timezone
from django.utils.translation import get_language

from pts.core import fiscal
from pts.core.money import baht_text, format_baht
from pts.ui.links import reverse_or_none

register = template.Library()


@register.filter
def baht(satang: int | None) -> str:
    """Integer satang -> "1,234,567.50"."""
    return format_baht(satang)


@register.filter
def thai_date(value: date | datetime | None, style: str = "") -> str:
    """BE dates in Thai ("15 พ.ย. 2566"), CE in English; datetimes get the local time too."""
    if value is None or value == "":
        return ""
    time_part = ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        time_part = f" {local:%H:%M}"
        value = local.date()
    if get_language() == "en":
        return fiscal.english_date(value) + time_part
    return fiscal.thai_date(value, long=style == "long") + time_part


@register.filter
def thai_date_input(value: date | None) -> str:
    """"15/11/2566": what a date box shows and reads back (day/month/BE year)."""
    return fiscal.thai_date_numeric(value) if isinstance(value, date) else ""


@register.filter
def month_label(value: date | fiscal.Month | None) -> str:
    """"ต.ค. 65" (Thai) or "Oct 2022" (English) for a month."""
    if value is None:
        return ""
    month = value if isinstance(value, fiscal.Month) else fiscal.Month.of(value)
    if get_language() == "en":
        return f"{fiscal.MONTH_EN[month.month - 1]} {month.year}"
    return month.thai_short()


@register.filter
def percent(value: Fraction | Decimal | int | None, places: int = 2) -> str:
    """An exact ratio already in per cent, rounded half-up for display only."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = Decimal(1).scaleb(-int(places))
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,}"


@register.simple_tag
def url_if(name: str, *args: object, **kwargs: object) -> str:
    """`{% url_if 'app:name' arg as u %}`: the URL, or "" while the named route does not exist yet."""
    return reverse_or_none(name, *args, **kwargs) or ""


@register.filter
def bahttext(satang: int | None) -> str:
    """Integer satang -> amount in Thai words ("หนึ่งร้อยเอ็ดบาทถ้วน")."""
    return "" if satang is None else baht_text(satang)


# Codes and BE years are printed with |unlocalize (no thousands separator) in every template,
# so Django's filter is a builtin here too: no `{% load l10n %}` needed.
register.filter("unlocalize", _l10n_unlocalize)
