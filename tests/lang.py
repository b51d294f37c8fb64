"""Assertions on the language of a message: one language at a time."""

from __future__ import annotations

import re

import pytest

from pts.core.thai import use_language

THAI = re.compile(r"[\u0e00-\u0e7f]")
BOTH = re.compile(r"[\u0e00-\u0e7f][^/\n]* / [^/\n]*[A-Za-z]{3}")


def thai_only(text: str) -> bool:
    """The message is in Thai, with no English half after a " / "."""
    return bool(THAI.search(text)) and not BOTH.search(text)


@pytest.fixture
def no_language():
    """Pure Python, as `pts score` and `pts plan` run it: no Django chooses a language, so a message
    carries both halves, Thai first."""
    from django.utils import translation

    use_language(None)
    yield
    use_language(translation.get_language)


def in_both(render) -> str:
    """`render()` (a message, read at render time) in Thai, then in English: the Thai one must be in
    Thai only and the English one must differ from it. Returns both, one a line, so that a test
    can look for a value or an English phrase in it."""
    from django.utils import translation

    with translation.override("th"):
        th = str(render())
    with translation.override("en"):
        en = str(render())
    assert thai_only(th), th
    assert en != th and not BOTH.search(en), en
    return f"{th}\n{en}"


@pytest.fixture
def english():
    """The test reads its messages as an English page shows them (pages it requests are English too:
    a request with no language chosen falls back to LANGUAGE_CODE)."""
    from django.test import override_settings
    from django.utils import translation

    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        yield


def english_page(client):
    """The client as a person who chose English: later pages come in English."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def one_language(text: str) -> bool:
    """No message in two languages (no "Thai / English")."""
    return not BOTH.search(text)
