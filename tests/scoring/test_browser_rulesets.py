"""In Chromium, on the demo: the treasury coordinator fills in the cabinet's missing Q2 target, the
league and the card change, an invalid value is refused naming the field, and the history shows
who changed what and when. Playwright drives Debian's Chromium (never `playwright install`)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from pts.demo.loader import DEMO_PASSWORD, PROVINCE_SCHEME
from pts.schemes.models import Scheme
from tests.scoring.test_browser_scoring import rows

Q2_LABEL = "เป้าหมายไตรมาส 2 (%) ภาพรวม เบิกจ่าย"


def in_chromium(test):
    return pytest.mark.browser(pytest.mark.django_db(transaction=True)(test))


def card_lines(page) -> list[str]:
    return [t.strip() for t in page.locator("main table").first.locator("tbody tr").all_inner_texts()]


@in_chromium
def test_the_demo_coordinator_fills_a_missing_quarterly_target_and_the_league_and_card_change(
        page, shoot, live_server):
    call_command("load_demo", stdout=StringIO())
    scheme = Scheme.objects.get(code=PROVINCE_SCHEME)
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "treasury")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")

    league = base + reverse("scoring:league", kwargs={"scheme": scheme.code}) + "?round=1&as_of=2023-07-31"
    page.goto(league)
    before = rows(page)
    first = next(iter(before))
    page.get_by_role("link", name=first).first.click()
    page.wait_for_load_state()
    card = page.url
    card_before = card_lines(page)
    shoot("01-card-before")

    page.goto(league)
    page.get_by_role("link", name="แก้ไขชุดเกณฑ์และเป้าหมาย").click()
    page.wait_for_load_state()
    # a shipped rule set: its values shown, none editable
    assert page.locator(f"label[title='{Q2_LABEL}']").count() == 1 and page.locator("input[name^='f-']").count() == 0
    page.get_by_role("button", name="เริ่มแก้ไขสำเนา").click()
    page.wait_for_load_state()
    assert "เริ่มแก้ไขชุดเกณฑ์ในระบบแล้ว (ฉบับที่ 1)" in page.locator(".messages").inner_text()
    field = page.get_by_label(Q2_LABEL)
    assert field.input_value() == "?"

    field.fill("ห้าสิบ")
    page.get_by_role("button", name="บันทึกเป็นฉบับใหม่").click()
    page.wait_for_load_state()
    error = page.locator(".field-error").first.inner_text()
    assert error.startswith(f"{Q2_LABEL}: \"ห้าสิบ\" ไม่ใช่ร้อยละ")
    assert "ยังไม่ได้บันทึก: มี 1 ค่าที่ต้องแก้ไข" in page.locator(".messages").first.inner_text()
    shoot("02-invalid-value-refused")
    scheme.refresh_from_db()
    assert scheme.rule_set.startswith("app:")
    page.goto(league)
    assert rows(page) == before  # nothing changed

    page.get_by_role("link", name="แก้ไขชุดเกณฑ์และเป้าหมาย").click()
    page.get_by_label(Q2_LABEL).fill("๕๐")  # Thai digits
    page.get_by_label("แก้ไขอะไรและเพราะเหตุใด").fill("มติคณะรัฐมนตรี เป้าหมายไตรมาส 2")
    page.get_by_role("button", name="บันทึกเป็นฉบับใหม่").click()
    page.wait_for_load_state()
    assert "บันทึกชุดเกณฑ์เป็นฉบับที่ 2 แล้ว" in page.locator(".messages").inner_text()
    assert page.get_by_label(Q2_LABEL).input_value() == "50"
    shoot("03-rules-saved")

    page.goto(league)
    after = rows(page)
    assert after != before and set(after) == set(before)
    shoot("04-league-after")
    page.goto(card)
    card_after = card_lines(page)
    assert card_after != card_before
    assert any("50%" in line for line in card_after) and not any("50%" in line for line in card_before)
    shoot("05-card-after")

    page.goto(base + reverse("scoring:rules_history", kwargs={"scheme": scheme.code}))
    newest = page.locator(".card.version").first
    text = newest.inner_text()
    assert "ฉบับที่ 2" in text and "คลังจังหวัดทุ่งทอง" in text and "มติคณะรัฐมนตรี เป้าหมายไตรมาส 2" in text
    assert newest.locator("tbody tr").all_inner_texts() == [f"{Q2_LABEL}\t?\t50"]
    assert "25" in text.split("·")[1] or "256" in text  # the date, in BE
    shoot("06-history")
