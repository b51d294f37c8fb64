"""No rule-set id on a Thai screen: the league's frozen badge names the rule set by its title, also
when the round was frozen with a rule set the system no longer ships (its id behind a details toggle)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pts.scoring.models import FrozenRound

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, attributes, scripts, or closed <details> bodies."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r"<details>.*?<summary>(.*?)</summary>.*?</details>", r"\1", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def freeze(client, scheme, user):
    client.force_login(user)
    response = client.post(reverse("scoring:freeze", kwargs={"scheme": scheme.code}),
                           {"round_no": 1, "as_of": "28/02/2566", "confirm": "1"})
    assert response.status_code == 302
    return FrozenRound.objects.get()


def league(client, scheme):
    page = client.get(reverse("scoring:league", kwargs={"scheme": scheme.code}) + "?round=1")
    assert page.status_code == 200
    return page.content.decode()


def test_the_frozen_badge_names_the_rule_set_by_its_title(client, ledger, world):
    frozen = freeze(client, ledger, world.carol)
    html = league(client, ledger)
    text = visible(html)
    assert "ตัวชี้วัดที่ 2.3" in text
    assert frozen.rule_set not in text


def test_a_round_frozen_with_a_rule_set_no_longer_shipped_shows_no_id(client, ledger, world):
    frozen = freeze(client, ledger, world.carol)
    FrozenRound.objects.filter(pk=frozen.pk).update(rule_set="doh-kpi23-2565-retired", rule_set_version="2565.3")
    html = league(client, ledger)
    text = visible(html)
    assert "doh-kpi23-2565-retired" not in text
    assert "ชุดเกณฑ์ที่ไม่มีในระบบแล้ว" in text and "2565.3" in text
    assert "<details>" in html and "doh-kpi23-2565-retired" in html  # behind the toggle, for whoever asks
