"""Procurement pages: what each persona sees and may change; outsiders get 404 and see nothing of A's."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from pts.procurement import actions
from pts.procurement.models import ExtraHoliday, ImportBatch, Instalment, Milestone, Project, RoundUpdate
from pts.procurement.sheet import FIRST_DATA_ROW
from tests.procurement.factories import BAHT, at, make_project

pytestmark = pytest.mark.django_db
A_NAME = "ก่อสร้างอาคารของหน่วยเอ"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def a(world):
    """Unit A's project with an instalment and a round update; B has a project of its own."""
    project = make_project(unit=world.unit_a, actor=world.alice, name=A_NAME, egp_number="66019123456")
    actions.project_update(actor=world.alice, project=project, contract_value=1_000_000 * BAHT, now=at(date(2022, 10, 4)))
    item = actions.instalment_add(actor=world.alice, project=project, deliverable="งวดที่ 1", due_date=date(2023, 3, 1),
                                  amount=500_000 * BAHT, now=at(date(2022, 10, 4)))
    actions.round_update(actor=world.alice, project=project, obstacles="อุปสรรคลับของเอ", now=at(date(2022, 10, 20)))
    make_project(unit=world.unit_b, actor=world.bob, name="โครงการของบี")
    return {"project": project, "milestone": project.milestones.order_by("seq").first(), "instalment": item}


def urls(world, a) -> dict[str, str]:
    p, m, i = a["project"].pk, a["milestone"].pk, a["instalment"].pk
    unit = {"unit_id": world.unit_a.pk, "be_year": 2566}
    return {
        "project": reverse("procurement:project", kwargs={"project_id": p}),
        "project_edit": reverse("procurement:project_edit", kwargs={"project_id": p}),
        "milestones": reverse("procurement:milestones", kwargs={"project_id": p}),
        "round_update": reverse("procurement:round_update", kwargs={"project_id": p}),
        "instalment_add": reverse("procurement:instalment_add", kwargs={"project_id": p}),
        "milestone": reverse("procurement:milestone", kwargs={"milestone_id": m}),
        "instalment": reverse("procurement:instalment", kwargs={"instalment_id": i}),
        "unit_projects": reverse("procurement:unit_projects", kwargs=unit),
        "project_create": reverse("procurement:project_create", kwargs=unit),
        "unit_export": reverse("procurement:unit_export", kwargs=unit),
    }


YEAR_PAGES = ["procurement:overview", "procurement:late", "procurement:unit_figures"]


def test_every_page_opens_for_the_officer_of_the_unit(world, a):
    client = signed_in(world.alice)
    for name, url in urls(world, a).items():
        assert client.get(url).status_code == 200, name
    pages = {name: client.get(reverse(name, args=[2566])) for name in [*YEAR_PAGES, "procurement:import"]}
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert A_NAME in text(pages["procurement:overview"])
    assert A_NAME in text(pages["procurement:late"])  # planned from Nov 2022, nothing done since: late by any clock
    assert "AG-A" in text(pages["procurement:unit_figures"])
    assert client.get(reverse("procurement:holidays")).status_code == 200
    assert client.get(reverse("procurement:index")).status_code == 302


def test_the_project_page_shows_the_plan_forecast_deadlines_instalments_and_round_history(world, a):
    from pts.schemes.actions import scheme_create, scheme_set_deadline_sets
    from tests.factories import make_fiscal_year

    scheme = scheme_create(actor=world.carol, code="pts-doh", name="PTS", kind="province",
                           fiscal_year=make_fiscal_year(2566), coordinator_org=world.province, units=[world.unit_a],
                           as_of_day=15, deadline_day=20)
    scheme_set_deadline_sets(actor=world.carol, scheme=scheme, deadline_sets=["doh-2566"])
    body = text(signed_in(world.alice).get(urls(world, a)["project"], {"as_of": "01/11/2565"}))
    for expected in (A_NAME, "66019123456", "ประกาศเผยแพร่แผนการจัดซื้อจัดจ้างประจำปี", "P0", "1 พ.ย. 2565",
                     "งวดที่ 1", "500,000.00", "อุปสรรคลับของเอ", "ก่อหนี้ผูกพันรายการเกิน 500,000 ถึง 2,000,000 บาท",
                     # DOH's 31 Dec 2022 is a Saturday after a special holiday: shown as Thursday 29 Dec
                     "กำหนด 29 ธ.ค. 2565 วันทำการสุดท้ายก่อน 31 ธ.ค. 2565 ซึ่งเป็นวันหยุด"):
        assert expected in body, expected


@pytest.mark.parametrize("name", ["project", "project_edit", "milestones", "round_update", "instalment_add",
                                  "milestone", "instalment", "unit_projects", "project_create", "unit_export"])
def test_an_officer_of_another_unit_gets_404_on_a_units_pages(world, a, name):
    client = signed_in(world.bob)
    url = urls(world, a)[name]
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "obstacles": "x"}).status_code == 404


def test_an_outsider_sees_nothing_of_a_in_lists_and_exports(world, a):
    client = signed_in(world.bob)
    for name in YEAR_PAGES:
        body = text(client.get(reverse(name, args=[2566])))
        assert A_NAME not in body and "AG-A" not in body and "อุปสรรคลับของเอ" not in body, name
        assert "AG-B" in body or name == "procurement:late", name
    workbook = load_workbook(io.BytesIO(client.get(reverse("procurement:export", args=[2566])).content))
    values = [c.value for row in workbook["PTS"].iter_rows(min_row=FIRST_DATA_ROW) for c in row]
    assert A_NAME not in values and "AG-A" not in values and "อุปสรรคลับของเอ" not in values
    assert "โครงการของบี" in values


def test_an_executive_reads_everything_and_changes_nothing(world, a):
    client = signed_in(world.erin)
    pages = urls(world, a)
    body = text(client.get(pages["project"]))
    assert A_NAME in body and pages["project_edit"] not in body
    for name in ("project_edit", "milestones", "round_update", "instalment_add", "milestone", "instalment", "project_create"):
        assert client.get(pages[name]).status_code == 403, name
        assert client.post(pages[name], {"name": "x"}).status_code == 403, name
    assert client.get(reverse("procurement:import", args=[2566])).status_code == 403
    assert Project.objects.get(pk=a["project"].pk).name == A_NAME


def test_a_coordinator_sees_every_unit_on_the_overview_and_the_export(world, a):
    client = signed_in(world.carol)
    body = text(client.get(reverse("procurement:overview", args=[2566])))
    assert A_NAME in body and "โครงการของบี" in body
    values = [c.value for row in load_workbook(io.BytesIO(
        client.get(reverse("procurement:export", args=[2566])).content))["PTS"].iter_rows() for c in row]
    assert A_NAME in values and "โครงการของบี" in values


@pytest.mark.usefixtures("english")
def test_creating_a_project_from_the_form_plans_it_and_shows_it(world):
    client = signed_in(world.alice)
    url = reverse("procurement:project_create", kwargs={"unit_id": world.unit_a.pk, "be_year": 2566})
    form = {"name": "ปรับปรุงห้องประชุม", "category": "capital", "allocated": "๑,๒๐๐,๐๐๐", "method": "e-bidding",
            "egp_number": "", "fund_code": "6611320", "start": "01/11/2565"}
    missing = client.post(url, {**form, "start": ""})
    assert missing.status_code == 200 and "one of them" in text(missing) and not Project.objects.exists()
    response = client.post(url, form)
    project = Project.objects.get(name="ปรับปรุงห้องประชุม")
    assert response.status_code == 302 and response["Location"] == reverse("procurement:project", args=[project.pk])
    assert project.allocated == 1_200_000 * BAHT and project.milestones.get(code="annual_plan").planned == date(2022, 11, 1)


@pytest.mark.usefixtures("english")
def test_a_rule_breaking_planned_date_is_saved_and_the_warning_names_the_rule(world, a):
    project = a["project"]
    bid = project.milestones.get(code="bid_day")
    published = project.milestones.get(code="invitation_published").planned
    client = signed_in(world.carol)  # the dates have passed by the real clock: only a coordinator moves them
    day = f"{published.day:02d}/{published.month:02d}/{published.year + 543}"
    response = client.post(reverse("procurement:milestone", args=[bid.pk]), {"planned": day, "actual": ""}, follow=True)
    assert Milestone.objects.get(pk=bid.pk).planned == published
    assert "invitation period" in text(response) and "ระยะเวลาประกาศเชิญชวน" not in text(response)  # English page


@pytest.mark.usefixtures("english")
def test_the_milestones_form_saves_planned_and_actual_dates_together(world, a):
    project = a["project"]
    client = signed_in(world.alice)
    url = reverse("procurement:milestones", args=[project.pk])
    data = {}
    for m in project.milestones.all():
        data[f"{m.code}__planned"] = f"{m.planned:%d/%m/}{m.planned.year + 543}" if m.planned else ""
        data[f"{m.code}__actual"] = ""
    data["annual_plan__actual"] = "01/11/2565"
    assert client.post(url, data).status_code == 302
    assert project.milestones.get(code="annual_plan").actual == date(2022, 11, 1)
    data["tor_committee__actual"] = "01/01/2600"
    refused = client.post(url, data)
    assert refused.status_code == 200 and "in the future" in text(refused)


def test_a_round_update_is_filed_from_its_form(world, a):
    client = signed_in(world.alice)
    page = client.get(urls(world, a)["round_update"])
    key = page.context["form"].initial["request_key"]
    month = page.context["form"].initial["round_month"]
    for _ in range(2):
        client.post(urls(world, a)["round_update"], {"round_month": month, "obstacles": "รอผู้รับจ้าง",
                                                      "remedy": "เร่งรัด", "request_key": key})
    assert RoundUpdate.objects.filter(project=a["project"], obstacles="รอผู้รับจ้าง").count() == 1


def test_instalments_are_added_and_accepted_from_their_forms(world, a):
    client = signed_in(world.alice)
    assert client.post(urls(world, a)["instalment_add"], {"deliverable": "งวดที่ 2", "due_date": "01/04/2566",
                                                          "amount": "500,000.01"}).status_code == 200  # over by 1 satang
    assert client.post(urls(world, a)["instalment_add"], {"deliverable": "งวดที่ 2", "due_date": "01/04/2566",
                                                          "amount": "500,000"}).status_code == 302
    assert Instalment.objects.filter(project=a["project"]).count() == 2


def test_only_a_coordinator_adds_and_removes_extra_holidays(world):
    day = {"day": "16/11/2565", "name": "วันหยุดพิเศษ", "org": world.province.pk}
    assert signed_in(world.alice).post(reverse("procurement:holidays"), day).status_code == 403
    assert signed_in(world.carol).post(reverse("procurement:holidays"), day).status_code == 302
    holiday = ExtraHoliday.objects.get(day=date(2022, 11, 16))
    assert "วันหยุดพิเศษ" in text(signed_in(world.bob).get(reverse("procurement:holidays")))
    assert signed_in(world.alice).post(reverse("procurement:holiday_remove", args=[holiday.pk])).status_code == 403
    signed_in(world.carol).post(reverse("procurement:holiday_remove", args=[holiday.pk]))
    assert not ExtraHoliday.objects.exists()


@pytest.fixture
def inline_imports(settings, tmp_path):
    """The sheet goes through the import pipeline; its steps run in the request here."""
    settings.PTS_IMPORT_BACKGROUND = False
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, name, content):
    from pts.budget.models import FiscalYear

    return client.post(reverse("imports:upload"), {"layout": "pts", "file": SimpleUploadedFile(name, content),
                                                   "fiscal_year": FiscalYear.objects.get(be_year=2566).pk})


def _issues(batch_id):
    """Every stored error of the import: where (row, column) and what."""
    from pts.imports.models import BatchIssue

    return " ".join(f"row {i.row} column {i.column}: {i.message_en}" for i in BatchIssue.objects.filter(batch_id=batch_id))


@pytest.mark.usefixtures("inline_imports")
def test_an_import_is_previewed_then_committed_and_a_reimport_is_refused(world, a):
    from pts.imports.models import ImportBatch as Upload
    from pts.imports.models import State

    client = signed_in(world.alice)
    page = client.get(reverse("procurement:import", args=[2566]))
    assert reverse("imports:upload") in text(page)  # the page's form posts to the one pipeline
    content = client.get(urls(world, a)["unit_export"]).content
    preview = _upload(client, "PTS-A.xlsx", content)
    batch = Upload.objects.get()
    assert preview.status_code == 302 and batch.state == State.PREVIEWED, _issues(batch.pk)
    assert not ImportBatch.objects.exists()
    client.post(reverse("imports:confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.state == State.COMMITTED and ImportBatch.objects.get().sha256 == batch.sha256
    again = _upload(client, "PTS-A.xlsx", content)
    assert again.status_code == 200 and "นำเข้าแล้ว" in text(again) and ImportBatch.objects.count() == 1
    assert [b.file_name for b in client.get(reverse("procurement:import", args=[2566])).context["batches"]] == [
        "PTS-A.xlsx"]


@pytest.mark.usefixtures("english", "inline_imports")
def test_a_bad_import_shows_every_error_and_stores_nothing(world, a, settings):
    from pts.imports.models import ImportBatch as Upload
    from pts.imports.models import State

    client = signed_in(world.alice)
    _upload(client, "bad.xlsx", b"\x00\x01 not a workbook")
    batch = Upload.objects.get()
    assert batch.state == State.REFUSED and "not a spreadsheet" in _issues(batch.pk)
    settings.PTS_IMPORT_MAX_BYTES = 10
    too_big = _upload(client, "big.xlsx", b"x" * 11)
    assert "above the limit" in text(too_big) and not ImportBatch.objects.exists()


@pytest.mark.usefixtures("english", "inline_imports")
def test_bob_cannot_import_rows_of_unit_a(world, a):
    from pts.imports.models import ImportBatch as Upload
    from pts.imports.models import State

    content = signed_in(world.alice).get(urls(world, a)["unit_export"]).content
    _upload(signed_in(world.bob), "PTS-A.xlsx", content)
    batch = Upload.objects.get()
    assert batch.state == State.REFUSED and "not a unit you may change" in _issues(batch.pk)
    assert Project.objects.get(pk=a["project"].pk).round_updates.count() == 1


def test_the_pages_speak_english_when_asked(world, a):
    client = signed_in(world.alice)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = text(client.get(urls(world, a)["project"], {"as_of": "01/11/2565"}))
    assert "Milestone plan" in body and "annual procurement plan published" in body and "1 Nov 2022" in body


def test_the_procurement_index_opens_the_current_year(world):
    response = signed_in(world.alice).get(reverse("procurement:index"))
    assert response["Location"] == reverse("procurement:overview", args=[2566])


def test_the_admin_saves_procurement_settings_through_the_action(world):
    from pts.audit.models import AuditEvent
    from pts.procurement.models import ProcurementSettings
    from pts.schemes.actions import scheme_create
    from tests.factories import make_fiscal_year

    scheme = scheme_create(actor=world.carol, code="pts-admin", name="PTS", kind="province",
                           fiscal_year=make_fiscal_year(2566), coordinator_org=world.province, units=[world.unit_a],
                           as_of_day=15, deadline_day=20)
    client = signed_in(world.root)
    url = reverse("admin:procurement_procurementsettings_add")
    bad = client.post(url, {"scheme": scheme.pk, "deadline_schemes": ["doh-2566"], "custom_deadlines": "[x"})
    assert bad.status_code == 200 and not ProcurementSettings.objects.exists()
    client.post(url, {"scheme": scheme.pk, "deadline_schemes": ["doh-2566"], "custom_deadlines": "",
                      "plan_deadline": "2022-10-31"})
    scheme.refresh_from_db()
    assert ProcurementSettings.objects.get().scheme == scheme and scheme.deadline_sets == ["doh-2566"]
    assert AuditEvent.objects.filter(action="procurement.settings_set").exists()
    assert client.get(reverse("admin:procurement_project_changelist")).status_code == 200


@pytest.mark.usefixtures("english", "inline_imports")
@pytest.mark.parametrize("build", ["huge_amount", "zip_bomb", "far_cell"])
def test_a_hostile_sheet_is_refused_in_the_preview_with_where_never_a_500(world, a, build):
    import io

    from openpyxl import load_workbook

    from pts.procurement.sheet import columns
    from tests.core.xlsx_craft import PLAIN_ROWS, bomb_member, sheet_xml, xlsx

    client = signed_in(world.alice)
    content = client.get(urls(world, a)["unit_export"]).content
    if build == "huge_amount":
        wb = load_workbook(io.BytesIO(content))
        column = [c.key for c in columns()].index("allocated") + 1
        wb["PTS"].cell(FIRST_DATA_ROW, column).value = 1e300
        out = io.BytesIO()
        wb.save(out)
        content, expected = out.getvalue(), f"row {FIRST_DATA_ROW} column F"
    elif build == "zip_bomb":
        content, expected = xlsx(sheet_member=bomb_member("xl/worksheets/sheet1.xml", 64, declare=2048)), "zip bomb"
    else:
        far = PLAIN_ROWS.replace(b"</sheetData>", b'<row r="9"><c r="XFD9"><v>1</v></c></row></sheetData>')
        content, expected = xlsx(sheet_xml(far)), "column XFD"
    from pts.imports.models import ImportBatch as Upload
    from pts.imports.models import State

    response = _upload(client, "hostile.xlsx", content)
    batch = Upload.objects.get()
    assert response.status_code == 302 and batch.state == State.REFUSED
    shown = text(client.get(reverse("imports:batch", args=[batch.pk])))
    assert expected in _issues(batch.pk) + shown, _issues(batch.pk)
    assert not ImportBatch.objects.exists()
