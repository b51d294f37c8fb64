"""Rule sets and target curves edited in the app (issue 9 part 7) and a scheme's rule set chosen
from a closed list, never a path (part 9)."""

from __future__ import annotations

import builtins
import pathlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pts.audit.models import AuditEvent
from pts.organisations.models import OrgKind, Role
from pts.schemes.actions import scheme_create, scheme_update
from pts.schemes.models import Scheme
from pts.scoring import queries, ruleedit, rulesets
from pts.scoring.actions import ruleset_save, ruleset_start, scores_freeze
from pts.scoring.engine.targets import SHIPPED_DIR
from pts.scoring.models import AppRuleSet, FrozenRound, RuleSetVersion
from tests.factories import make_allocation, make_org, make_user
from tests.scoring.factories import MB, pay

Q2 = "f-curves-overall-disbursed-quarterly-1"
Q2_LABEL = "เป้าหมายไตรมาส 2 (%) ภาพรวม เบิกจ่าย"
BAD_REFS = ["/etc/passwd", "../x", "/proc/self/mem", "../../../../etc/passwd", "doh-kpi23-2566/../../x"]


@pytest.fixture
def no_file_opened(monkeypatch):
    """Record every file outside the code and rulesets/ that something stats or opens."""
    seen: list[str] = []
    real_open, real_read, real_is_file = builtins.open, pathlib.Path.read_bytes, pathlib.Path.is_file

    def watch(path: object) -> None:
        text = str(path)
        if any(bad.strip("./") in text for bad in ("etc/passwd", "proc/self/mem")) or text.endswith("/x"):
            seen.append(text)

    def fake_open(file, *args, **kwargs):  # noqa: ANN001, ANN202
        watch(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: (watch(self), real_read(self))[1])
    monkeypatch.setattr(pathlib.Path, "is_file", lambda self: (watch(self), real_is_file(self))[1])
    return seen


@pytest.fixture
def province(world):
    """The province template (cabinet FY2566 targets, Q2 and Q3 unknown) over A and B; A is ahead."""
    make_allocation(unit=world.unit_a, amount=MB, category="operating")
    make_allocation(unit=world.unit_b, amount=MB, category="operating")
    pay(world.unit_a, 600_000_00, date(2022, 12, 10))
    pay(world.unit_b, 330_000_00, date(2022, 12, 10))
    pay(world.unit_b, 10_000_00, date(2023, 3, 10))
    return scheme_create(actor=world.carol, code="prov-2566", name="PTS จังหวัด", kind="province", fiscal_year=2566,
                         coordinator_org=world.province, units=[world.unit_a, world.unit_b],
                         rule_set="province-pts-template", deadline_month_offset=1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rules_url(scheme, page="rules"):
    return reverse(f"scoring:{page}", kwargs={"scheme": scheme.code})


def totals(scheme, as_of=date(2023, 3, 31)):
    scheme.refresh_from_db()
    return {r.unit: r.total for r in queries.score_scheme(scheme=scheme, as_of=as_of)}


# Part 9: a scheme's rule set is chosen by id from a closed list, never a path


@pytest.mark.parametrize("ref", BAD_REFS)
def test_a_path_as_a_schemes_rule_set_is_refused_by_the_action_without_reading_it(world, no_file_opened, ref):
    with pytest.raises(ValidationError) as exc:
        scheme_create(actor=world.carol, code="evil", name="x", kind="province", fiscal_year=2566,
                      coordinator_org=world.province, units=[world.unit_a], rule_set=ref)
    [message] = exc.value.message_dict["rule_set"]
    assert "ไม่พบชุดเกณฑ์" in message and "TOML" not in message and "root" not in message
    assert no_file_opened == []
    assert not Scheme.objects.filter(code="evil").exists()


@pytest.mark.parametrize("ref", BAD_REFS)
def test_a_path_posted_in_the_scheme_form_is_refused_naming_the_field(world, province, no_file_opened, ref):
    client = client_for(world.carol)
    url = reverse("schemes:edit", kwargs={"scheme": province.code})
    response = client.post(url, {"name": "x", "rule_set": ref, "denominator": "current",
                                 "series_overall": ["operating"], "deadline_day": 25, "deadline_month_offset": 0})
    assert response.status_code == 200
    assert "rule_set" in response.context["form"].errors
    assert no_file_opened == []
    province.refresh_from_db()
    assert province.rule_set == "province-pts-template" and province.name == "PTS จังหวัด"


@pytest.mark.parametrize("ref", BAD_REFS)
def test_a_hand_edited_path_in_the_database_is_never_opened(world, province, no_file_opened, ref):
    Scheme.objects.filter(pk=province.pk).update(rule_set=ref)
    province.refresh_from_db()
    with pytest.raises(rulesets.RuleSetError):
        rulesets.rules_for(province)
    response = client_for(world.carol).get(reverse("scoring:league", kwargs={"scheme": province.code}))
    assert response.status_code == 409
    assert "ไม่พบชุดเกณฑ์" in response.content.decode()
    assert no_file_opened == []


def test_the_scheme_form_offers_the_shipped_and_in_app_rule_sets_by_title(world, province):
    version = ruleset_start(actor=world.carol, scheme=province)
    form = client_for(world.carol).get(reverse("schemes:edit", kwargs={"scheme": province.code})).context["form"]
    choices = dict(form.fields["rule_set"].choices)
    assert set(choices) >= {"", "doh-kpi23-2566", "province-pts-template", version.ref}
    assert "ฉบับที่ 1" in choices[version.ref] and "กรมอนามัย" in choices["doh-kpi23-2566"]


def test_a_version_of_another_tree_cannot_be_pinned(world, province):
    other_root = make_org(kind=OrgKind.PROVINCE, code="PROV-X", name_th="จังหวัดอื่น")
    other_unit = make_org(kind=OrgKind.AGENCY, parent=other_root, code="AG-X", name_th="หน่วยอื่น")
    dave = make_user(username="dave", role=Role.COORDINATOR, org=other_root)
    theirs = scheme_create(actor=dave, code="other-2566", name="อื่น", kind="province", fiscal_year=2566,
                           coordinator_org=other_root, units=[other_unit], rule_set="province-pts-template",
                           deadline_month_offset=1)
    version = ruleset_start(actor=dave, scheme=theirs)
    with pytest.raises(ValidationError) as exc:
        scheme_update(actor=world.carol, scheme=province, name="x", rule_set=version.ref, series=province.series)
    assert "rule_set" in exc.value.message_dict
    assert version.ref not in dict(rulesets.choices_for(world.carol, world.province))


# Part 7: rule sets and targets edited in the app


def test_starting_copies_the_shipped_rule_set_with_its_targets_and_scores_the_same(world, province):
    before = totals(province)
    version = ruleset_start(actor=world.carol, scheme=province)
    province.refresh_from_db()
    assert province.rule_set == version.ref and version.number == 1
    doc = ruleedit.load(version.toml)
    assert doc["curves"]["overall"]["disbursed"]["quarterly"] == [32, "?", "?", 93]
    assert totals(province) == before
    event = AuditEvent.objects.get(action="scoring.ruleset_start")
    assert event.actor == world.carol and event.after["rule_set"] == version.ref


def test_filling_a_missing_quarterly_target_changes_the_league_at_once(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    before = totals(province)
    response = client_for(world.carol).post(rules_url(province), {Q2: "50", "comment": "มติ ครม. ไตรมาส 2"})
    assert response.status_code == 302
    province.refresh_from_db()
    version = rulesets.app_version(province.rule_set)
    assert version.number == 2 and version.comment == "มติ ครม. ไตรมาส 2" and version.author == world.carol
    after = totals(province)
    assert after["AG-A"] > before["AG-A"]  # 60 % by the end of Q2 passes the now-known target
    assert after["AG-B"] < before["AG-B"]  # 34 % misses it
    assert after == {r.unit: r.total for r in queries.score_scheme(scheme=province, as_of=date(2023, 3, 31),
                                                                   explain=())}  # stored = fresh


def test_an_invalid_value_is_refused_naming_the_field_and_nothing_is_stored(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    province.refresh_from_db()
    pinned, count = province.rule_set, RuleSetVersion.objects.count()
    client = client_for(world.carol)
    for typed, expected in (("abc", "ไม่ใช่ร้อยละ"), ("10", "ต้องไม่ลดลง")):  # the second: below Q1's 32
        response = client.post(rules_url(province), {Q2: typed})
        assert response.status_code == 400
        [error] = response.context["form"].errors[Q2]
        assert error.startswith(Q2_LABEL) and expected in error
        assert Q2_LABEL in response.content.decode()
    province.refresh_from_db()
    assert province.rule_set == pinned and RuleSetVersion.objects.count() == count


def test_the_history_shows_who_changed_what_and_when(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    client_for(world.carol).post(rules_url(province), {Q2: "50", "comment": "ตามมติ"})
    page = client_for(world.erin).get(rules_url(province, "rules_history")).content.decode()
    assert Q2_LABEL in page and "ตามมติ" in page and str(world.carol) in page
    saved = RuleSetVersion.objects.get(number=2).created_at
    assert "ฉบับที่ 2" in page and str(timezone.localtime(saved).year + 543) in page  # when, in BE
    row = page[page.index(Q2_LABEL):page.index(Q2_LABEL) + 200]
    assert "?" in row and "50" in row
    event = AuditEvent.objects.get(action="scoring.ruleset_save")
    assert f"{Q2_LABEL}: ? → 50" in event.after["changes"] and event.note == "ตามมติ"


def test_versions_are_never_updated_or_deleted(world, province):
    version = ruleset_start(actor=world.carol, scheme=province)
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSetVersion.objects.filter(pk=version.pk).update(toml="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSetVersion.objects.filter(pk=version.pk).delete()


def test_a_frozen_round_records_the_version_it_scored_with(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    client_for(world.carol).post(rules_url(province), {Q2: "50"})
    province.refresh_from_db()
    frozen = scores_freeze(actor=world.carol, scheme=province, round_no=1, as_of=date(2023, 3, 31))
    version = rulesets.app_version(province.rule_set)
    assert frozen.app_version == version and frozen.rule_set_sha256 == version.sha256
    client_for(world.carol).post(rules_url(province), {Q2: "55"})
    assert FrozenRound.objects.get(pk=frozen.pk).app_version == version  # a later version leaves it as it was


def test_export_gives_the_same_toml_and_import_keeps_it_as_a_new_version(world, province):
    shipped = client_for(world.carol).get(rules_url(province, "rules_export"))
    assert shipped.content == (SHIPPED_DIR / "province-pts-template.toml").read_bytes()
    edited = shipped.content.decode().replace('targets = "cabinet-2566"', 'targets = "cabinet-2566"\n# แก้ไข')
    upload = SimpleUploadedFile("rules.toml", edited.encode(), content_type="application/toml")
    response = client_for(world.carol).post(rules_url(province, "rules_import"), {"file": upload, "comment": "นำเข้า"})
    assert response.status_code == 302
    province.refresh_from_db()
    version = rulesets.app_version(province.rule_set)
    assert version.toml == edited and version.number == 1
    exported = client_for(world.carol).get(rules_url(province, "rules_export"))
    assert exported.content.decode() == edited
    assert AuditEvent.objects.filter(action="scoring.ruleset_import").count() == 1


@pytest.mark.parametrize(("content", "named"), [
    (b"[ruleset\nid = 1", "TOML"),
    ("แก้".encode("cp874"), "UTF-8"),
    (b"x" * (256 * 1024 + 1), "KiB"),
])
def test_a_bad_import_is_refused_with_the_reason_and_stores_nothing(world, province, content, named):
    upload = SimpleUploadedFile("rules.toml", content)
    response = client_for(world.carol).post(rules_url(province, "rules_import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    assert named in response.content.decode()
    province.refresh_from_db()
    assert province.rule_set == "province-pts-template" and not AppRuleSet.objects.exists()


def test_an_import_with_a_wrong_key_names_its_line_and_key(world, province):
    text = (SHIPPED_DIR / "province-pts-template.toml").read_text(encoding="utf-8").replace("max = 50\n", "max = 55\n")
    upload = SimpleUploadedFile("rules.toml", text.encode())
    page = client_for(world.carol).post(rules_url(province, "rules_import"), {"file": upload}, follow=True)
    assert "criteria[5].max" in page.content.decode() and "rules.toml:" in page.content.decode()
    assert not RuleSetVersion.objects.exists()


def test_officers_read_the_rule_set_but_cannot_change_it_and_outsiders_see_nothing(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    alice = client_for(world.alice)
    page = alice.get(rules_url(province))
    assert page.status_code == 200 and Q2_LABEL in page.content.decode() and b'name="f-' not in page.content
    assert alice.post(rules_url(province), {Q2: "50"}).status_code == 403
    assert alice.post(rules_url(province, "rules_start")).status_code == 403
    upload = SimpleUploadedFile("rules.toml", b"x")
    assert alice.post(rules_url(province, "rules_import"), {"file": upload}).status_code == 403
    with pytest.raises(ValidationError):
        ruleset_save(actor=world.alice, scheme=province, text="x")
    other_root = make_org(kind=OrgKind.PROVINCE, code="PROV-Y", name_th="จังหวัดไกล")
    outsider = make_user(username="olive", role=Role.COORDINATOR, org=other_root)
    for page_name in ("rules", "rules_history", "rules_export"):
        assert client_for(outsider).get(rules_url(province, page_name)).status_code == 404
    assert RuleSetVersion.objects.count() == 1


def test_an_older_version_can_be_pinned_from_the_scheme_form(world, province):
    first = ruleset_start(actor=world.carol, scheme=province)
    client_for(world.carol).post(rules_url(province), {Q2: "50"})
    province.refresh_from_db()
    scheme_update(actor=world.carol, scheme=province, name=province.name, rule_set=first.ref, series=province.series)
    province.refresh_from_db()
    assert rulesets.rules_for(province).curves[("overall", "disbursed")].values[5] is None


def test_in_english_the_editor_and_history_use_english_labels(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    client = client_for(world.carol)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(rules_url(province), {Q2: "x"})
    [error] = response.context["form"].errors[Q2]
    assert "Q2 target (%), overall disbursed" in error
    client.post(rules_url(province), {Q2: "50"})
    page = client.get(rules_url(province, "rules_history")).content.decode()
    assert "Q2 target (%), overall disbursed" in page and "Version 2" in page


# The editor's [options]: Thai labels, help, named choices and defaults (engine.options), validated

ROUNDING = "f-options-percent_rounding"


def test_the_editor_shows_each_option_by_its_thai_label_help_and_named_choices(world, province):
    import re

    from pts.scoring.engine.options import OPTIONS

    ruleset_start(actor=world.carol, scheme=province)
    page = client_for(world.carol).get(rules_url(province)).content.decode()
    assert f'<select name="{ROUNDING}"' in page
    assert '<option value="2">ปัดเป็นทศนิยม 2 ตำแหน่ง</option>' in page
    assert "การปัดเศษร้อยละก่อนเทียบเป้าหมาย" in page and "(ค่าเริ่มต้น: ไม่ปัดเศษ)" in page
    text = re.sub(r"<[^>]+>", " ", page)  # what a reader sees: no attributes (the field names are keys)
    for option in OPTIONS:
        assert option.label_th in text
        assert option.key not in text, option.key


def test_an_option_is_saved_by_its_choice_and_a_bad_one_refused_naming_the_field(world, province):
    ruleset_start(actor=world.carol, scheme=province)
    province.refresh_from_db()
    pinned, count = province.rule_set, RuleSetVersion.objects.count()
    client = client_for(world.carol)
    response = client.post(rules_url(province), {ROUNDING: "ten"})
    assert response.status_code == 400
    [error] = response.context["form"].errors[ROUNDING]
    assert error.startswith('การปัดเศษร้อยละก่อนเทียบเป้าหมาย: "ten" ไม่ใช่ตัวเลือกที่มี (ไม่ปัดเศษ, ')
    province.refresh_from_db()
    assert province.rule_set == pinned and RuleSetVersion.objects.count() == count
    assert client.post(rules_url(province), {ROUNDING: "2"}).status_code == 302
    province.refresh_from_db()
    assert ruleedit.load(rulesets.app_version(province.rule_set).toml)["options"]["percent_rounding"] == 2
    history = client.get(rules_url(province, "rules_history")).content.decode()
    assert "การปัดเศษร้อยละก่อนเทียบเป้าหมาย" in history and "ปัดเป็นทศนิยม 2 ตำแหน่ง" in history
