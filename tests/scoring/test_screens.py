"""League table and score card: isolation, read-only executives, the coordinator's freeze and override."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from pts.organisations.models import OrgKind, Role
from pts.scoring.models import FrozenRound, ScoreOverride
from tests.factories import make_org, make_user


def login(client, user):
    client.force_login(user)
    return client


def league_url(scheme, **query):
    url = reverse("scoring:league", kwargs={"scheme": scheme.code})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def card_url(scheme, unit, **query):
    url = reverse("scoring:card", kwargs={"scheme": scheme.code, "unit_id": unit.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


AS_OF = {"as_of": "28/02/2566", "round": 1}


def test_bob_cannot_see_the_card_of_unit_a(client, ledger, world):
    assert login(client, world.bob).get(card_url(ledger, world.unit_a, **AS_OF)).status_code == 404


def test_units_a_rows_never_appear_in_bobs_league_table(client, ledger, world):
    page = login(client, world.bob).get(league_url(ledger, **AS_OF))
    assert page.status_code == 200
    html = page.content.decode()
    assert "AG-B" in html and "AG-A" not in html and world.unit_a.name_th not in html


def test_an_officer_of_another_province_gets_404_for_the_scheme(client, ledger, world):
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    stranger = make_user(username="stranger", role=Role.COORDINATOR, org=other)
    login(client, stranger)
    assert client.get(league_url(ledger)).status_code == 404
    assert client.get(card_url(ledger, world.unit_b)).status_code == 404
    assert client.post(reverse("scoring:freeze", kwargs={"scheme": ledger.code}),
                       {"round_no": 1, "as_of": "28/02/2566"}).status_code == 404
    assert not FrozenRound.objects.exists()


def test_alice_reads_her_card_with_thai_explanations_and_the_amount_still_needed(client, ledger, world):
    page = login(client, world.alice).get(card_url(ledger, world.unit_a, as_of="15/11/2565", round=1))
    assert page.status_code == 200
    html = page.content.decode()
    assert ("<li>รายจ่ายประจำ ต.ค. 65: เบิกจ่ายสะสม 10.00% (100,000.00 บาท จาก 1,000,000.00 บาท) เป้าหมาย 9% "
            "(ใช้เส้นเป้าหมายภาพรวม) → ตามเป้า</li>") in html  # a month line, in Thai, with its amounts
    assert "ไม่มีหลักฐานการกำกับติดตาม" in html  # why 1-3 scores nothing
    assert page.context["needed"] and page.context["override_form"] is None
    override = reverse("scoring:override", kwargs={"scheme": ledger.code, "unit_id": world.unit_a.pk})
    assert override not in html and "/override/" not in html  # no override form for an officer


def test_the_coordinator_and_the_executive_see_every_row(client, ledger, world):
    for user in (world.carol, world.erin):
        html = login(client, user).get(league_url(ledger, **AS_OF)).content.decode()
        assert "AG-A" in html and "AG-B" in html
        client.logout()


def test_the_executive_can_read_but_not_freeze_or_override(client, ledger, world):
    login(client, world.erin)
    assert client.get(card_url(ledger, world.unit_a, **AS_OF)).status_code == 200
    assert client.post(reverse("scoring:freeze", kwargs={"scheme": ledger.code}),
                       {"round_no": 1, "as_of": "28/02/2566"}).status_code == 403
    assert client.post(reverse("scoring:override", kwargs={"scheme": ledger.code, "unit_id": world.unit_a.pk}),
                       {"round_no": 1, "criterion": "5", "score": "1", "reason": "x"}).status_code == 403
    assert not FrozenRound.objects.exists() and not ScoreOverride.objects.exists()


def test_an_officer_cannot_override_even_their_own_unit(client, ledger, world):
    login(client, world.alice)
    response = client.post(reverse("scoring:override", kwargs={"scheme": ledger.code, "unit_id": world.unit_a.pk}),
                           {"round_no": 1, "criterion": "5", "score": "1", "reason": "x"})
    assert response.status_code == 403
    assert not ScoreOverride.objects.exists()


def test_the_coordinator_freezes_a_round_and_the_card_then_shows_a_later_change(client, ledger, world):
    from pts.budget.actions import disbursement_record
    from tests.factories import ledger_admin

    login(client, world.carol)
    response = client.post(reverse("scoring:freeze", kwargs={"scheme": ledger.code}),
                           {"round_no": 1, "as_of": "28/02/2566", "confirm": "1"})
    assert response.status_code == 302
    frozen = FrozenRound.objects.get()
    assert frozen.as_of == date(2023, 2, 28) and frozen.frozen_by == world.carol
    page = client.get(league_url(ledger, round=1))
    assert page.context["sel"].use_frozen
    disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_b, category="operating",
                        amount=-800_000_00, effective_date=date(2022, 10, 26), note="entered twice")
    card = client.get(card_url(ledger, world.unit_b, round=1))
    assert card.context["changes"] and any(item in ("Total", "คะแนนรวม") for item, _b, _a in card.context["changes"])
    unchanged = client.get(card_url(ledger, world.unit_a, round=1))
    assert unchanged.context["changes"] == []


def test_the_coordinators_override_form_refuses_a_missing_reason_and_changes_nothing(client, ledger, world):
    login(client, world.carol)
    url = reverse("scoring:override", kwargs={"scheme": ledger.code, "unit_id": world.unit_a.pk})
    assert url in client.get(card_url(ledger, world.unit_a, **AS_OF)).content.decode()  # the form officers lack
    bad = client.post(url, {"round_no": 1, "criterion": "5", "score": "1.5", "reason": "ok"})
    assert bad.status_code == 400 and "1.5" in bad.content.decode()
    assert not ScoreOverride.objects.exists()
    good = client.post(url, {"round_no": 1, "criterion": "5", "score": "1", "reason": "report accepted late"})
    assert good.status_code == 302
    html = client.get(card_url(ledger, world.unit_a, **AS_OF)).content.decode()
    assert "report accepted late" in html


@pytest.mark.parametrize("as_of", ["28/02/2566", "2023-02-28", "๒๘/๐๒/๒๕๖๖"])
def test_the_as_of_date_may_be_typed_in_be_iso_or_thai_digits(client, ledger, world, as_of):
    page = login(client, world.carol).get(league_url(ledger, as_of=as_of, round=1))
    assert page.context["sel"].as_of == date(2023, 2, 28)


def test_the_league_heads_its_columns_with_the_criteria_in_thai_and_points_to_four_decimals(client, ledger, world):
    page = login(client, world.carol).get(league_url(ledger, **AS_OF))
    html = page.content.decode()
    for heading in ("ระดับ 1-3", "ระดับ 4.1", "ระดับ 4.2", "ระดับ 5"):
        assert f">{heading}<br>" in html
    assert ">4.1<br>" not in html and ">1-3<br>" not in html  # no rule-set ids as headings
    assert "/0.5000" in html and "/5.0000" not in html.replace("/ 5.0000", "")
    assert "ชั่วคราว" not in html  # round 1 has ended by 28 Feb


def test_a_round_not_ended_by_the_date_shown_is_marked_provisional(client, ledger, world):
    html = login(client, world.carol).get(league_url(ledger, as_of="15/02/2566", round=1)).content.decode()
    assert "ชั่วคราว" in html
    html = client.get(card_url(ledger, world.unit_a, as_of="15/02/2566", round=1)).content.decode()
    assert "ชั่วคราว" in html and "<strong>ระดับ 4.1</strong>" in html


def test_the_training_check_shows_on_the_card_and_the_league(client, ledger, world):
    from pts.budget.actions import disbursement_record
    from pts.budget.models import Activity
    from tests.factories import ledger_admin, make_allocation

    seminar = Activity.objects.create(fiscal_year=ledger.fiscal_year, unit=world.unit_a, code="S", name="สัมมนา",
                                      tags=["training", "meeting"])
    make_allocation(unit=world.unit_a, amount=100_000_00, activity=seminar)
    disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_a, category="operating",
                        amount=40_000_00, effective_date=date(2022, 12, 20), activity=seminar)
    login(client, world.carol)
    card = client.get(card_url(ledger, world.unit_a, **AS_OF))
    check = card.context["checks"][0]
    assert (check["heading"], check["state"]) == ("ฝึกอบรม ไตรมาส 1", "failed")
    html = card.content.decode()
    assert "ไม่ผ่าน" in html and "เบิกจ่ายสะสม 40.00% (40,000.00 บาท จาก 100,000.00 บาท) เป้าหมาย 50%" in html
    league = client.get(league_url(ledger, **AS_OF))
    assert ">ฝึกอบรม ไตรมาส 1</th>" in league.content.decode()
    states = {row["unit"].code: row["checks"] for row in league.context["table"]}
    assert states == {"AG-A": ["failed", "", "", ""], "AG-B": ["", "", "", ""]}  # the carry-over checks: at the year end


def test_a_late_capital_carry_over_in_the_ledger_fails_its_check_on_the_card(client, ledger, world):
    from pts.budget.actions import carry_over, commitment_record
    from tests.factories import ledger_admin, make_fiscal_year

    admin = ledger_admin()
    make_fiscal_year(2567)
    commitment_record(actor=admin, fiscal_year=2566, unit=world.unit_a, category="capital", amount=100_000_00,
                      effective_date=date(2023, 6, 1), document_ref="PO-1")
    carry_over(actor=admin, from_year=2566, to_year=2567, unit=world.unit_a, category="capital", amount=100_000_00,
               effective_date=date(2023, 9, 25), document_ref="PO-1")
    login(client, world.carol)
    checks = {c["heading"]: c for c in client.get(card_url(ledger, world.unit_a, as_of="30/09/2566", round=2))
              .context["checks"]}  # fmt: skip
    assert checks["กันเงินงบลงทุน 20 ก.ย."]["state"] == "failed"
    assert checks["ไม่กันเงินงบดำเนินงาน"]["state"] == "passed"
    assert any("100,000.00 บาท เมื่อ 25 ก.ย. 2566 (ต้องกันภายใน 20 ก.ย. 2566) → ไม่เป็นไปตามกำหนด" in line
               for line in checks["กันเงินงบลงทุน 20 ก.ย."]["lines"])
    league = client.get(league_url(ledger, as_of="30/09/2566", round=2)).context["table"]
    assert {row["unit"].code: row["checks"] for row in league}["AG-A"] == ["", "passed", "failed", ""]


def test_leftover_capital_reallocated_in_the_ledger_is_checked_against_its_dates(client, ledger, world):
    from pts.budget.actions import disbursement_record
    from pts.budget.models import Activity
    from tests.factories import ledger_admin, make_allocation

    savings = Activity.objects.create(fiscal_year=ledger.fiscal_year, unit=world.unit_a, code="L", name="เงินเหลือจ่าย",
                                      tags=["savings"])
    make_allocation(unit=world.unit_a, amount=50_000_00, category="capital", activity=savings,
                    effective_date=date(2023, 3, 10))
    disbursement_record(actor=ledger_admin(), fiscal_year=2566, unit=world.unit_a, category="capital",
                        amount=50_000_00, effective_date=date(2023, 4, 20), activity=savings)  # ten days late
    login(client, world.carol)
    checks = {c["heading"]: c for c in client.get(card_url(ledger, world.unit_a, as_of="31/05/2566", round=2))
              .context["checks"]}  # fmt: skip
    found = checks["เงินเหลือจ่ายภายใน 1 เดือน"]
    assert found["state"] == "failed"
    assert any("เมื่อ 10 มี.ค. 2566 ต้องเบิกจ่ายภายใน 10 เม.ย. 2566: เบิกจ่ายแล้ว 0.00 บาท" in line for line in found["lines"])


# -- freezing asks first, then offers the frozen result ------------------------------------------

FREEZE = {"round_no": 1, "as_of": "28/02/2566"}


def freeze_url(scheme):
    return reverse("scoring:freeze", kwargs={"scheme": scheme.code})


def test_a_freeze_without_confirm_only_shows_what_freezing_means(client, ledger, world):
    page = login(client, world.carol).post(freeze_url(ledger), FREEZE)
    assert page.status_code == 200 and not FrozenRound.objects.exists()
    html = page.content.decode()
    assert "ไม่สามารถยกเลิกได้" in html and "28 ก.พ. 2566" in html and "รอบ 5 เดือนแรก" in html
    assert 'name="confirm"' in html and 'value="28/02/2566"' in html  # the second click posts the same round and date
    assert "2023" not in html and ledger.rule_set not in html


def test_the_confirmed_freeze_lands_on_the_downloads_of_the_frozen_result(client, ledger, world):
    response = login(client, world.carol).post(freeze_url(ledger), FREEZE | {"confirm": "1"})
    url = reverse("scoring:frozen", kwargs={"scheme": ledger.code, "round_no": 1})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert reverse("scoring:frozen_csv", kwargs={"scheme": ledger.code, "round_no": 1}) in html
    assert reverse("scoring:frozen_xlsx", kwargs={"scheme": ledger.code, "round_no": 1}) in html
    assert url in client.get(league_url(ledger, round=1)).content.decode()  # the league table links to it too


def frozen_csv(client, scheme):
    response = client.get(reverse("scoring:frozen_csv", kwargs={"scheme": scheme.code, "round_no": 1}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    import csv
    import io
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_frozen_csv_has_thai_headers_be_dates_codes_names_and_four_decimals(client, ledger, world):
    from pts.scoring.actions import scores_freeze

    scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
    rows = frozen_csv(login(client, world.carol), ledger)
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert header[:3] == ["อันดับ", "รหัสหน่วยงาน", "หน่วยงาน"] and header[-5:-2] == ["คะแนนรวม", "คะแนนเต็ม", "รางวัล"]
    assert body["AG-A"][2] == "หน่วยงานเอ" and body["AG-A"][-5:-3] == ["4.3000", "5.0000"]
    assert body["AG-B"][0] == "1" and body["AG-B"][-1] == "28 ก.พ. 2566"


def test_the_frozen_export_neutralises_formulas_and_bob_gets_only_his_row(client, ledger, world):
    from pts.organisations.models import Org
    from pts.scoring.actions import scores_freeze

    scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
    Org.objects.filter(pk=world.unit_b.pk).update(name_th="=HYPERLINK(\"http://x\")")
    rows = frozen_csv(login(client, world.bob), ledger)
    assert [r[1] for r in rows[1:]] == ["AG-B"] and rows[1][2] == "'=HYPERLINK(\"http://x\")"
    client.logout()
    response = login(client, world.carol).get(reverse("scoring:frozen_xlsx", kwargs={"scheme": ledger.code,
                                                                                      "round_no": 1}))
    import io

    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("อันดับ", "รหัสหน่วยงาน", "หน่วยงาน") and sheet.title == "รอบ 1"
    by_code = {v[1]: v for v in values[1:]}
    assert by_code["AG-B"][2] == "'=HYPERLINK(\"http://x\")" and by_code["AG-A"][-5] == 4.3
    assert sheet.cell(2, len(values[0]) - 4).number_format == "0.0000"


def test_an_outsider_gets_404_for_the_frozen_result_and_its_downloads(client, ledger, world):
    from pts.scoring.actions import scores_freeze

    scores_freeze(actor=world.carol, scheme=ledger, round_no=1, as_of=date(2023, 2, 28))
    other = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    login(client, make_user(username="stranger", role=Role.COORDINATOR, org=other))
    for name in ("scoring:frozen", "scoring:frozen_csv", "scoring:frozen_xlsx"):
        assert client.get(reverse(name, kwargs={"scheme": ledger.code, "round_no": 1})).status_code == 404
    assert client.get(reverse("scoring:frozen", kwargs={"scheme": "nope", "round_no": 1})).status_code == 404
