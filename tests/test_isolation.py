"""Per-unit isolation across the whole site: bob (officer of unit B) sees and changes nothing of A's.

The tests walk every URL pattern of `pts.urls` (all namespaces), so a new page is covered the day
it is added:

1. Every pattern with keyword arguments is filled with A's objects (`A_OBJECTS` below says how
   each keyword maps to one of A's objects). Bob's GET and POST must answer 403, 404 or 405 and
   leave every table exactly as it was. A keyword this file does not know FAILS the test: add how
   to build A's object for it to `A_OBJECTS` (and to `build_a_world`).
2. Every pattern without object keywords (lists, exports, search; `be_year` alone names a list) is
   fetched by bob, plain and with search parameters, and must contain none of A's identifying
   strings: code, name, document references, and a marker planted in A's free text. CSV, xlsx
   and PDF bodies are decoded first.
3. Anonymous visitors are sent to sign in; a POST without a CSRF token is refused everywhere.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BANGKOK = ZoneInfo("Asia/Bangkok")
MARKER = "ZQX-ISOLATION-7F3A"  # planted in A's free text; must never reach bob
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

# Namespaces handled separately: the Django admin has its own login (staff only), checked below.
ADMIN_NAMESPACES = {"admin"}
# Public by design: signing in and choosing the language.
PUBLIC_NAMES = {"login", "set_language"}
# Keywords that alone name a list rather than one of A's objects.
CONTEXT_KWARGS = {"be_year", "round_no"}
# Tables that change on their own (sessions, sign-in throttling) are not part of "nothing changed".
VOLATILE_APPS = {"sessions", "axes"}


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BANGKOK)


@dataclass
class AWorld:
    """A's objects, made through the real actions, plus B's own so bob's lists are not empty."""

    world: Any
    movement: Any
    reservation: Any
    shared_scheme: Any
    shared_period: Any
    a_scheme: Any
    a_period: Any
    report: Any
    evidence: Any
    project: Any
    milestone: Any
    instalment: Any
    holiday: Any
    membership: Any
    deduction: Any
    reopen: Any
    import_batch: Any

    @property
    def strings(self) -> list[str]:
        """What identifies A: none of it may appear on bob's pages."""
        unit = self.world.unit_a
        return [unit.code, unit.name_th, MARKER, "ALLOC-A-7731", "PO-A-7732", "DISB-A-7733", "RSV-A-7734",
                self.a_scheme.code]


def build_a_world(world: Any) -> AWorld:
    """A's world through the real actions (imported here so a missing app fails loudly, not at import)."""
    from pts.budget import actions as ledger
    from pts.organisations.models import Membership
    from pts.procurement import actions as procurement
    from pts.reporting import actions as reporting
    from pts.reporting.models import ReportingPeriod
    from pts.schemes.actions import scheme_create
    from pts.scoring.actions import scores_freeze
    from pts.scoring.deductions import deduction_record

    a, b, carol, alice, bob = world.unit_a, world.unit_b, world.carol, world.alice, world.bob
    for unit, ref in ((a, "ALLOC-A-7731"), (b, "ALLOC-B-1001")):
        for category, amount in (("operating", 5_000_000_00), ("capital", 9_000_000_00)):
            ledger.allocation_record(actor=carol, fiscal_year=2566, unit=unit, category=category, amount=amount,
                                     effective_date=date(2022, 10, 3), document_ref=ref,
                                     note=MARKER if unit == a else "B's allocation")
    ledger.commitment_record(actor=alice, fiscal_year=2566, unit=a, category="operating", amount=300_000_00,
                             effective_date=date(2022, 10, 6), document_ref="PO-A-7732", note=MARKER)
    movement = ledger.disbursement_record(actor=alice, fiscal_year=2566, unit=a, category="operating",
                                          amount=120_000_00, effective_date=date(2022, 10, 7),
                                          document_ref="DISB-A-7733", note=MARKER)
    ledger.disbursement_record(actor=bob, fiscal_year=2566, unit=b, category="operating", amount=70_000_00,
                               effective_date=date(2022, 10, 7), document_ref="DISB-B-1002", note="B's payment")
    reservation = ledger.reservation_create(
        actor=alice, fiscal_year=2566, unit=a, category="operating", number="RSV-A-7734",
        requester=f"ผู้ขอ {MARKER}", amount=100_000_00, requested_on=date(2022, 10, 5), purpose=MARKER,
    )
    calendar = {"as_of_day": 15, "deadline_day": 20}
    shared = scheme_create(actor=carol, code="iso-shared-2566", name="โครงการร่วมของจังหวัด", kind="province",
                           fiscal_year=2566, coordinator_org=world.province, units=[a, b], **calendar)
    a_scheme = scheme_create(actor=carol, code="iso-a-only-2566", name=f"โครงการเฉพาะหน่วยงานเอ {MARKER}",
                             kind="province", fiscal_year=2566, coordinator_org=a, units=[a], **calendar)
    shared_period = ReportingPeriod.objects.get(scheme=shared, month=date(2022, 10, 1))
    a_period = ReportingPeriod.objects.get(scheme=a_scheme, month=date(2022, 10, 1))
    lines = {"operating": (300_000_00, 120_000_00), "capital": (0, 0)}
    report = reporting.report_save_draft(actor=alice, period=shared_period, unit=a, lines=lines,
                                         obstacles=MARKER, version=0, now=at(2022, 10, 16))
    report = reporting.report_submit(actor=alice, report=report, version=report.version, now=at(2022, 10, 17))
    reporting.report_save_draft(actor=alice, period=a_period, unit=a, lines=lines, obstacles=MARKER,
                                version=0, now=at(2022, 10, 16))
    reporting.report_save_draft(actor=bob, period=shared_period, unit=b, lines={"operating": (0, 70_000_00)},
                                obstacles="B's obstacles", version=0, now=at(2022, 10, 16))
    evidence = reporting.evidence_upload(
        actor=alice, unit=a, fiscal_year=2566, kind="committee_order", month=None, event_date=date(2022, 10, 10),
        uploaded_file=SimpleUploadedFile(f"order-{MARKER}.pdf", PDF, "application/pdf"),
    )
    project, _notes = procurement.project_create(
        actor=alice, fiscal_year=2566, unit=a, name=f"ก่อสร้างอาคาร {MARKER}", allocated=2_000_000_00,
        now=at(2022, 10, 20), start=date(2022, 10, 24),
    )
    procurement.round_update(actor=alice, project=project, now=at(2022, 10, 21), obstacles=MARKER, remedy=MARKER)
    instalment = procurement.instalment_add(actor=alice, project=project, deliverable=f"งวดที่ 1 {MARKER}",
                                            due_date=date(2023, 3, 1), amount=500_000_00, now=at(2022, 10, 21))
    holiday = procurement.extra_holiday_add(actor=carol, day=date(2023, 1, 4), name="วันหยุดพิเศษ", org=world.province)
    # in the shared scheme: bob may open the scheme, so only the per-unit scope keeps A's event from him
    deduction = deduction_record(actor=carol, scheme=shared, unit=a, cause="documents_returned",
                                 month=date(2022, 11, 1), note=MARKER, now=at(2022, 12, 2))
    # A asks for its (locked) October period of the shared scheme to be reopened
    reopen = reporting.reopen_request(actor=alice, period=shared_period, unit=a, reason=MARKER, now=at(2022, 10, 25))
    scores_freeze(actor=carol, scheme=a_scheme, round_no=1, as_of=date(2023, 2, 28))  # its result names A
    # A's import of a GFMIS file (previewed, not confirmed): its page, progress, downloads, confirm and undo
    from pts.imports import pipeline

    gfmis = ("เลขที่เอกสาร,ประเภทเอกสาร,วันที่ผ่านรายการ,รหัสหน่วยเบิกจ่าย,รหัสแหล่งของเงิน,จำนวนเงิน\n"
             f"PO-A-7732,PO,06/10/2565,{a.code},6611320,100\n")
    import_batch = pipeline.start(actor=alice, layout="gfmis", source=io.BytesIO(gfmis.encode()),
                                  file_name=f"gfmis-{MARKER}.csv", fiscal_year=2566)
    pipeline.read(import_batch)
    assert import_batch.state == "previewed", import_batch.state
    return AWorld(
        world=world, movement=movement, reservation=reservation, shared_scheme=shared,
        shared_period=shared_period, a_scheme=a_scheme, a_period=a_period, report=report, evidence=evidence,
        project=project, milestone=project.milestones.order_by("seq").first(), instalment=instalment,
        holiday=holiday, membership=Membership.objects.get(user=alice, org=a), deduction=deduction, reopen=reopen,
        import_batch=import_batch,
    )


# How each URL keyword names one of A's objects. A keyword missing here fails the test.
A_OBJECTS = {
    "unit_id": lambda aw: aw.world.unit_a.pk,
    "be_year": lambda aw: 2566,
    "movement_id": lambda aw: aw.movement.pk,
    "reservation_id": lambda aw: aw.reservation.pk,
    "report_id": lambda aw: aw.report.pk,
    # A period of a scheme bob's unit is not in (its coordinator is A itself).
    "period_id": lambda aw: aw.a_period.pk,
    "evidence_id": lambda aw: aw.evidence.pk,
    # A scheme whose only unit is A and which A coordinates: nothing of B's is in it.
    "scheme": lambda aw: aw.a_scheme.code,
    "user_id": lambda aw: aw.world.alice.pk,
    "membership_id": lambda aw: aw.membership.pk,
    "project_id": lambda aw: aw.project.pk,
    "milestone_id": lambda aw: aw.milestone.pk,
    "instalment_id": lambda aw: aw.instalment.pk,
    # Not A's, but the province-wide calendar: only coordinators may change it.
    "holiday_id": lambda aw: aw.holiday.pk,
    # A's deduction event, recorded in the scheme bob's unit is in too (SHARED_CONTEXT tries it there).
    "event_id": lambda aw: aw.deduction.pk,
    # A's request to reopen its period of the shared scheme
    "request_id": lambda aw: aw.reopen.pk,
    # the round frozen in A's own scheme (a round number alone names no unit: see CONTEXT_KWARGS)
    "round_no": lambda aw: 1,
    # A's import (a GFMIS file alice uploaded, previewed)
    "batch_id": lambda aw: aw.import_batch.pk,
}
# With another of A's objects in the URL, the shared scheme and its period are tried too
# (e.g. A's report in a period bob also reports in).
SHARED_CONTEXT = {
    "period_id": lambda aw: aw.shared_period.pk,
    "scheme": lambda aw: aw.shared_scheme.code,
}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "budget:unit_ledger"
    route: str  # the full route text, e.g. "budget/units/<int:unit_id>/<int:be_year>/"
    kwargs: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0] if ":" in self.name else ""


def routes() -> list[Route]:
    """Every URL pattern of the project, with its full route and keyword names."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            text = str(p.pattern)
            if hasattr(p.pattern, "regex") and not hasattr(p.pattern, "converters"):
                # A regex pattern (re_path): keep it readable; its groups count as keywords.
                text = text.lstrip("^").rstrip("$")
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                walk(p.url_patterns, prefix + text, ns or "")
            elif isinstance(p, URLPattern):
                full = prefix + text
                name = f"{namespace}:{p.name}" if namespace else (p.name or full)
                found.append(Route(name=name, route=full, kwargs=tuple(re.findall(r"<(?:\w+:)?(\w+)>", full))
                                   + tuple(re.findall(r"\(\?P<(\w+)>", full))))

    walk(get_resolver().url_patterns, "", "")
    return found


def app_routes() -> list[Route]:
    return [r for r in routes() if r.namespace not in ADMIN_NAMESPACES]


def fill(route: Route, values: dict[str, Any]) -> str:
    """The URL of `route` with each keyword replaced by its value (checked to resolve back to it)."""
    if "(?P<" in route.route:
        raise AssertionError(f"{route.name}: regex URL patterns are not supported by the isolation test; use path()")

    def value(match: re.Match[str]) -> str:
        return str(values[match.group(1)])

    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route.route)
    match = resolve(url)
    assert match.route == route.route, f"{url} resolves to {match.view_name} ({match.route}), not {route.name}"
    return url


def object_urls(route: Route, aw: AWorld) -> list[str]:
    """URLs of `route` pointing at A's objects: A's own, and A's objects inside the shared scheme."""
    unknown = [k for k in route.kwargs if k not in A_OBJECTS]
    if unknown:
        raise AssertionError(
            f"URL {route.name} ({route.route}) has keyword(s) {unknown} that tests/test_isolation.py does not "
            "know: add to A_OBJECTS how to build A's object for each"
        )
    values = {k: A_OBJECTS[k](aw) for k in route.kwargs}
    urls = [fill(route, values)]
    if any(k in SHARED_CONTEXT for k in route.kwargs) and set(route.kwargs) - set(SHARED_CONTEXT) - CONTEXT_KWARGS:
        shared = values | {k: SHARED_CONTEXT[k](aw) for k in route.kwargs if k in SHARED_CONTEXT}
        urls.append(fill(route, shared))
    return urls


def is_list(route: Route) -> bool:
    return set(route.kwargs) <= CONTEXT_KWARGS


def fingerprint() -> dict[str, int]:
    """A hash of every row of every table (bar sessions and sign-in throttling)."""
    prints = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in VOLATILE_APPS:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = list(model._default_manager.order_by("pk").values_list(*fields))
        prints[model._meta.label] = hash(repr(rows))
    return prints


def body_text(response: Any) -> str:
    """What a reader of the response would see: HTML, CSV (UTF-8 or cp874), xlsx cells, PDF text."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    if "spreadsheetml" in ctype or content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        )
    if "pdf" in ctype or content[:5] == b"%PDF-":
        if not shutil.which("pdftotext"):
            raise AssertionError("pdftotext (poppler-utils) is needed to read PDF responses")
        done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)  # noqa: S603, S607
        return done.stdout.decode("utf-8", "replace")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp874", "replace")
    return html.unescape(text)


@pytest.fixture
def a_world(world) -> AWorld:
    return build_a_world(world)


@pytest.fixture
def bob_client(world) -> Client:
    client = Client()
    client.force_login(world.bob)
    return client


def test_the_url_walk_sees_every_app():
    namespaces = {r.namespace for r in app_routes()}
    assert {"organisations", "budget", "schemes", "reporting", "audit"} <= namespaces
    assert any(r.kwargs for r in app_routes())


def test_every_keyword_of_every_url_is_known_to_this_test():
    unknown = sorted({f"{k} (in {r.name})" for r in app_routes() for k in r.kwargs if k not in A_OBJECTS})
    assert not unknown, f"add these URL keywords to A_OBJECTS in tests/test_isolation.py: {unknown}"


def test_bob_gets_403_or_404_on_every_url_of_a_and_changes_nothing(a_world, bob_client):
    failures: list[str] = []
    checked = 0
    before = fingerprint()  # one fingerprint per request: each request's "after" is the next one's "before"
    for route in app_routes():
        if is_list(route) or route.name in PUBLIC_NAMES:
            continue
        for url in object_urls(route, a_world):
            for method in ("get", "post"):
                checked += 1
                try:
                    response = getattr(bob_client, method)(url)
                except Exception as exc:  # a crash is a failure to report with the others, not a stop
                    failures.append(f"{method.upper()} {url} ({route.name}) raised {exc!r}")
                    before = fingerprint()
                    continue
                if response.status_code not in (403, 404, 405):
                    failures.append(f"{method.upper()} {url} ({route.name}) -> {response.status_code}")
                after = fingerprint()
                if after != before:
                    changed = [k for k, v in after.items() if before.get(k) != v]
                    failures.append(f"{method.upper()} {url} ({route.name}) changed {changed}")
                before = after
    assert checked > 20, "too few URLs checked: is the URL walk broken?"
    assert not failures, "bob reached A's objects:\n" + "\n".join(failures)


SEARCHES = [{}, {"q": "AG-A"}, {"q": MARKER}, {"unit": "AG-A"}, {"search": MARKER}, {"page": "2"}]


def test_nothing_of_a_appears_in_bobs_lists_exports_or_searches(a_world, bob_client):
    failures: list[str] = []
    checked = 0
    for route in app_routes():
        if not is_list(route) or route.name in PUBLIC_NAMES or route.name == "logout":
            continue
        url = fill(route, {k: A_OBJECTS[k](a_world) for k in route.kwargs})
        for params in SEARCHES:
            checked += 1
            try:
                response = bob_client.get(url, params, follow=True)
            except Exception as exc:  # reported with the others
                failures.append(f"GET {url} {params} ({route.name}) raised {exc!r}")
                continue
            if response.status_code >= 500:
                failures.append(f"GET {url} {params} -> {response.status_code}")
                continue
            text = body_text(response)
            searched = set(params.values())
            leaked = [s for s in a_world.strings if s not in searched and s in text]
            if leaked:
                failures.append(f"GET {url} {params} ({route.name}) shows {leaked}")
    assert checked > 10
    assert not failures, "A's data reached bob:\n" + "\n".join(failures)


def test_the_list_check_would_catch_a_leak(a_world, world):
    # The same pages as the coordinator, who may see A: A's strings are found, so the check can fail.
    client = Client()
    client.force_login(world.carol)
    text = body_text(client.get("/orgs/", follow=True))
    assert world.unit_a.code in text and world.unit_a.name_th in text


def test_anonymous_visitors_are_sent_to_sign_in_on_every_url(a_world, client):
    failures = []
    for route in app_routes():
        if route.name in PUBLIC_NAMES:
            continue
        for url in object_urls(route, a_world):
            try:
                response = client.get(url)
            except Exception as exc:  # reported with the others
                failures.append(f"GET {url} ({route.name}) raised {exc!r}")
                continue
            redirected = response.status_code == 302 and response["Location"].startswith("/login/")
            # A POST-only view may refuse the method before asking who you are: nothing is shown.
            if not (redirected or response.status_code == 405):
                failures.append(f"GET {url} ({route.name}) -> {response.status_code} {response.get('Location', '')}")
    assert not failures, "pages open to anonymous visitors:\n" + "\n".join(failures)


def test_the_django_admin_sends_officers_and_visitors_to_its_own_sign_in(bob_client, client):
    for visitor in (bob_client, client):
        response = visitor.get("/django-admin/")
        assert response.status_code == 302 and "/django-admin/login/" in response["Location"]


def test_a_post_without_a_csrf_token_is_refused_on_every_url(a_world, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.root)
    failures = []
    before = fingerprint()
    for route in app_routes():
        for url in object_urls(route, a_world):
            response = client.post(url, {})
            if response.status_code != 403:
                failures.append(f"POST {url} ({route.name}) -> {response.status_code}")
            after = fingerprint()
            if after != before:
                failures.append(f"POST {url} ({route.name}) changed the database")
            before = after
    assert not failures, "POSTs accepted without a CSRF token:\n" + "\n".join(failures)


def test_a_csrf_token_from_the_form_lets_the_same_post_through(world):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/login/")
    token = response.cookies["csrftoken"].value
    response = client.post("/login/", {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
