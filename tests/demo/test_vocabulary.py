"""The users' vocabulary: in Thai mode the demo's pages show names, never a scheme code, a rule-set
id or version, a criterion id or an audit action code, and a message is in one language only."""

from __future__ import annotations

import re
import tomllib
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from pts.audit.models import AuditEvent
from pts.demo.loader import DEMO_LOGINS
from pts.organisations.models import User
from pts.schemes.models import Scheme
from tests.lang import english_page

RULESETS = Path(__file__).resolve().parents[2] / "pts" / "scoring" / "rulesets"
PAGES_PER_ROLE = 45
SKIP = re.compile(r"logout|\.csv|\.pdf|\.toml|\.xlsx|export|download|/media/|/static/|/files?/|/i18n/")
BOTH_SCRIPTS = re.compile(r"[\u0e00-\u0e7f][^/\n]* / [^/\n]*[A-Za-z]{3}")

pytestmark = pytest.mark.django_db


class _Visible(HTMLParser):
    """The text a person reads on the page: not scripts, styles, the head, attributes, or what sits
    folded in a <details> (where ids may be kept for those who ask), and the links to follow."""

    HIDDEN = {"script", "style", "head", "details", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._error_depth: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in self.HIDDEN:
            self._hidden += 1
        classes = (a.get("class") or "").split()
        if self._error_depth or {"errorlist", "messages", "error"} & set(classes):
            self._error_depth.append(tag)
            if len(self._error_depth) == 1:
                self.errors.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if self._error_depth and self._error_depth[-1] == tag:
            self._error_depth.pop()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.text.append(data)
        if self._error_depth:
            self.errors[-1] += data


def _ids(node: Any, out: set[str]) -> set[str]:
    """Every id and version of a shipped rule set that reads as an id (letters with - _ or .)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"id", "version", "cause", "criterion"} and isinstance(value, str):
                if re.search(r"[A-Za-z]", value) and re.search(r"[-_.]", value):
                    out.add(value)
            _ids(value, out)
    elif isinstance(node, list):
        for item in node:
            _ids(item, out)
    return out


def _forbidden() -> set[str]:
    words = set(Scheme.objects.values_list("code", flat=True))
    words |= set(Scheme.objects.exclude(rule_set="").values_list("rule_set", flat=True))
    for path in RULESETS.glob("*.toml"):
        words |= _ids(tomllib.loads(path.read_text(encoding="utf-8")), set())
    words |= set(AuditEvent.objects.values_list("action", flat=True).distinct())
    return {w for w in words if w}


def _read(client: Client, url: str, **kwargs: Any) -> _Visible:
    response = client.get(url, **kwargs)
    assert response.status_code < 500, url
    parser = _Visible()
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        parser.feed(response.content.decode("utf-8"))
    return parser


def _check(parser: _Visible, url: str, forbidden: set[str], problems: list[str]) -> None:
    text = re.sub(r"\s+", " ", " ".join(parser.text))
    for word in forbidden:
        if re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text):
            problems.append(f"{url}: shows {word!r}")
    for message in parser.errors:
        if BOTH_SCRIPTS.search(message):
            problems.append(f"{url}: message in two languages: {message.strip()[:120]!r}")


def _crawl(client: Client, forbidden: set[str], problems: list[str]) -> int:
    seen: set[str] = set()
    queue = deque(["/"])
    pages = 0
    while queue and pages < PAGES_PER_ROLE:
        url = queue.popleft()
        kind = re.sub(r"\d+", "N", url)
        if kind in seen:
            continue
        seen.add(kind)
        parser = _read(client, url)
        pages += 1
        _check(parser, url, forbidden, problems)
        for href in parser.links:
            href = href.split("#")[0].split("?")[0]
            if href.startswith("/") and not SKIP.search(href):
                queue.append(href)
    return pages


def test_the_demo_pages_show_names_and_one_language_in_thai_mode():
    call_command("load_demo", stdout=StringIO())  # once: every role crawls the same demo
    forbidden = _forbidden()
    assert {"demo-province-2566", "province-pts-template", "template-1"} <= forbidden
    problems: list[str] = []
    reached: dict[str, int] = {}
    for username, _role, _scope in DEMO_LOGINS:
        client = Client()  # no language chosen: Thai
        client.force_login(User.objects.get(username=username))
        reached[username] = _crawl(client, forbidden, problems)
        # A message of the product (the audit trail's date check) comes in Thai only.
        bad = _read(client, "/audit/", data={"date_from": "10/10/2566", "date_to": "01/10/2566"})
        if username in {"admin", "treasury", "bureau"}:
            assert any("วันที่สิ้นสุด" in m for m in bad.errors), f"{username}: the audit trail's error is shown"
        _check(bad, f"{username} /audit/ (bad dates)", forbidden, problems)
    assert not problems, "\n".join(sorted(set(problems)))
    assert sum(reached.values()) >= 60 and min(reached.values()) >= 1, reached
    # Django's own message (a required field of a refused form) in Thai only, then English only.
    treasury = User.objects.get(username="treasury")
    for lang, shown, not_shown in (("th", "ต้องกรอกช่องนี้", "this field is required"),
                                   ("en", "this field is required", "ต้องกรอกช่องนี้")):
        client = Client()
        client.force_login(treasury)
        if lang == "en":
            english_page(client)
        html = client.post("/schemes/new/", {"code": ""}).content.decode("utf-8")
        assert shown in html, lang
        assert not_shown not in html, lang
        bad = _read(client, "/audit/", data={"date_from": "10/10/2566", "date_to": "01/10/2566"})
        errors = " ".join(bad.errors)
        assert ("'to' must not be before 'from'" in errors) == (lang == "en"), errors
        assert ("วันที่สิ้นสุด" in errors) == (lang == "th"), errors

