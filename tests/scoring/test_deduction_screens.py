"""The score card's deductions: the coordinator records and withdraws them; outsiders get 404/403.

`scheme` is the provincial template scheme of tests/scoring/conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse

from pts.core.fiscal import Month
from pts.scoring.deductions import deduction_record
from pts.scoring.models import DeductionEvent


def add_url(scheme, unit):
    return reverse("scoring:deduction_add", kwargs={"scheme": scheme.code, "unit_id": unit.pk})


def card_url(scheme, unit):
    return reverse("scoring:card", kwargs={"scheme": scheme.code, "unit_id": unit.pk})


def test_the_coordinator_records_a_deduction_from_the_card_and_it_shows_there(client, world, scheme):
    client.force_login(world.carol)
    page = client.get(card_url(scheme, world.unit_a))
    assert "documents_returned" in page.content.decode()  # the cause choices
    response = client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "พ.ย. 65",
                                                            "note": "ฎีกาเลขที่ 12"})
    assert response.status_code == 302
    event = DeductionEvent.objects.get()
    assert (event.unit, event.month.isoformat()) == (world.unit_a, "2022-11-01")
    assert "ฎีกาเลขที่ 12" in client.get(card_url(scheme, world.unit_a)).content.decode()


def test_a_month_outside_the_year_re_renders_the_form_with_the_error_and_writes_nothing(client, world, scheme):
    client.force_login(world.carol)
    response = client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "2023-10"})
    assert response.status_code == 400
    assert "2566" in response.content.decode()
    assert not DeductionEvent.objects.exists()


def test_a_double_submitted_form_records_once(client, world, scheme):
    client.force_login(world.carol)
    data = {"cause": "documents_returned", "month": "2022-11", "request_key": "7e0f6a0e-6c4a-4b0a-9f67-3f1c2a1b5d10"}
    client.post(add_url(scheme, world.unit_a), data)
    client.post(add_url(scheme, world.unit_a), data)
    assert DeductionEvent.objects.count() == 1


def test_bob_cannot_record_on_a_nor_withdraw_as_events_nor_see_them(client, world, scheme):
    event = deduction_record(actor=world.carol, scheme=scheme, unit=world.unit_a, cause="documents_returned",
                             month=Month(2022, 11), note="ของเอ")
    client.force_login(world.bob)
    assert client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "2022-11"}).status_code == 404
    url = reverse("scoring:deduction_withdraw", kwargs={"scheme": scheme.code, "event_id": event.pk})
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert "ของเอ" not in client.get(card_url(scheme, world.unit_b)).content.decode()
    event.refresh_from_db()
    assert event.withdrawn_at is None


def test_an_officer_of_a_sees_the_event_but_cannot_record_or_withdraw(client, world, scheme):
    event = deduction_record(actor=world.carol, scheme=scheme, unit=world.unit_a, cause="documents_returned",
                             month=Month(2022, 11), note="ของเอ")
    client.force_login(world.alice)
    page = client.get(card_url(scheme, world.unit_a)).content.decode()
    assert "ของเอ" in page and add_url(scheme, world.unit_a) not in page
    assert client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "2022-11"}).status_code == 403
    url = reverse("scoring:deduction_withdraw", kwargs={"scheme": scheme.code, "event_id": event.pk})
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_the_coordinator_withdraws_an_event_from_the_card(client, world, scheme):
    event = deduction_record(actor=world.carol, scheme=scheme, unit=world.unit_a, cause="documents_returned",
                             month=Month(2022, 11))
    client.force_login(world.carol)
    url = reverse("scoring:deduction_withdraw", kwargs={"scheme": scheme.code, "event_id": event.pk})
    assert client.post(url, {"reason": "ผิดหน่วย"}).status_code == 302
    event.refresh_from_db()
    assert event.withdraw_reason == "ผิดหน่วย"


def test_after_recording_the_card_shows_the_same_round_and_date(client, world, scheme):
    client.force_login(world.carol)
    response = client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "2022-11",
                                                            "round": "1", "as_of": "2023-03-31"})
    assert response.status_code == 302
    assert "round=1" in response["Location"] and "as_of=2023-03-31" in response["Location"]


def test_deductions_show_no_maximum_of_zero(client, world, scheme):
    client.force_login(world.carol)
    card = client.get(card_url(scheme, world.unit_a)).context
    assert next(i for i in card["items"] if i["id"] == "deductions")["max"] == ""
    assert next(i for i in card["items"] if i["id"] == "plan")["max"] == "10.0000"
    league = client.get(reverse("scoring:league", kwargs={"scheme": scheme.code})).context
    assert dict((cid, m) for cid, _heading, _label, m in league["criteria"])["deductions"] == ""


def test_a_month_typed_as_excel_writes_it_is_recorded(client, world, scheme):
    client.force_login(world.carol)
    response = client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "พ.ย.-65"})
    assert response.status_code == 302
    assert DeductionEvent.objects.get().month.isoformat() == "2022-11-01"


def test_a_month_in_full_width_digits_is_refused_in_thai_and_nothing_is_written(client, world, scheme):
    client.force_login(world.carol)
    response = client.post(add_url(scheme, world.unit_a), {"cause": "documents_returned", "month": "２０２２-１１"})
    assert response.status_code == 400
    assert "ใช้ได้เฉพาะตัวเลข 0-9 หรือเลขไทย ๐-๙" in response.content.decode()
    assert not DeductionEvent.objects.exists()


def test_the_card_shows_the_engines_deductions_apart_from_those_the_coordinator_recorded(client, world, scheme):
    deduction_record(actor=world.carol, scheme=scheme, unit=world.unit_a, cause="documents_returned",
                     month=Month(2022, 11), note="ฎีกาเลขที่ 12", now=datetime(2022, 12, 1, 10, tzinfo=UTC))
    client.force_login(world.carol)
    card = client.get(card_url(scheme, world.unit_a) + "?as_of=2023-09-30").context
    engine = next(i for i in card["items"] if i["id"] == "deductions")["lines"]
    counted = [line for line in engine if "ฎีกาเลขที่ 12" in line]
    assert counted  # the engine takes the recorded event's points ...
    assert not any("ฎีกาเลขที่ 12" in line for line in card["automatic_deductions"])  # ... shown as recorded
    assert [e.note for e, _cause in card["recorded_deductions"]] == ["ฎีกาเลขที่ 12"]
    # what the engine deducts on its own (late procurement rounds, lapsed money) is listed as automatic
    derived = [line for line in engine if line.startswith("หักคะแนน:") and line not in counted]
    assert card["automatic_deductions"] == derived  # none here: the demo's cards have some (tests/browser)
    page = client.get(card_url(scheme, world.unit_a)).content.decode()
    assert "หักโดยอัตโนมัติจากบัญชีงบประมาณ" in page and "บันทึกโดยผู้ประสานงาน" in page
