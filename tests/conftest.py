"""Shared fixtures: the personas every view is tested with, and the browser.

alice: officer of unit A; bob: officer of unit B, who must see and change nothing of A's;
carol: coordinator of the province; erin: executive of the province; root: administrator.

Browser tests (marked `browser`) drive Debian's Chromium through Playwright against pytest-django's
live server; never `playwright install`. They are skipped when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings

from pts.organisations.models import Org, OrgKind, Role, User
from tests.factories import make_fiscal_year, make_org, make_user
from tests.lang import english, no_language  # noqa: F401  (fixtures: a test reads messages in English / as pure Python)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

# The live server runs in a thread beside Playwright's event loop; Django must allow that.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true",
                     help=f"browser tests save full-page screenshots to {SCREENSHOTS}/<test module>/")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium through Playwright (slow)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt install chromium); browser tests need it")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass
class World:
    province: Org
    unit_a: Org
    unit_b: Org
    alice: User
    bob: User
    carol: User
    erin: User
    root: User


ORGS = ("province", "unit_a", "unit_b")
USERS = ("alice", "bob", "carol", "erin", "root")


def build_world() -> dict[str, int]:
    """The personas through the real actions; their primary keys by World field."""
    make_fiscal_year(2566)
    province = make_org(kind=OrgKind.PROVINCE, code="PROV-T", name_th="จังหวัดทดสอบ")
    unit_a = make_org(kind=OrgKind.AGENCY, parent=province, code="AG-A", name_th="หน่วยงานเอ")
    unit_b = make_org(kind=OrgKind.AGENCY, parent=province, code="AG-B", name_th="หน่วยงานบี")
    users = {
        "alice": make_user(username="alice", role=Role.OFFICER, org=unit_a),
        "bob": make_user(username="bob", role=Role.OFFICER, org=unit_b),
        "carol": make_user(username="carol", role=Role.COORDINATOR, org=province),
        "erin": make_user(username="erin", role=Role.EXECUTIVE, org=province),
        "root": make_user(username="root", is_superuser=True),
    }
    return {"province": province.pk, "unit_a": unit_a.pk, "unit_b": unit_b.pk} | {k: u.pk for k, u in users.items()}


@pytest.fixture(scope="session")
def _world_rows(django_db_setup, django_db_blocker) -> dict[str, int]:
    """The personas, built and committed once per test process (about 50 ms each time, in most tests)."""
    with django_db_blocker.unblock():
        return build_world()


@pytest.fixture
def world(_world_rows, db) -> World:
    """Fresh copies of the personas for each test, like Django's setUpTestData: what a test changes is
    rolled back with its transaction. A transactional test empties every table when it ends; the tests
    after it build the personas again inside their own transaction."""
    pks = _world_rows
    orgs = Org.objects.in_bulk([pks[k] for k in ORGS])
    users = User.objects.in_bulk([pks[k] for k in USERS])
    if len(orgs) < len(ORGS) or len(users) < len(USERS):
        pks = build_world()
        orgs = Org.objects.in_bulk([pks[k] for k in ORGS])
        users = User.objects.in_bulk([pks[k] for k in USERS])
    return World(**{k: orgs[pks[k]] for k in ORGS}, **{k: users[pks[k]] for k in USERS})


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """argon2 is what production uses; tests only need a hash, and argon2 costs ~0.5 s per persona.
    For the whole session, so that module- and session-scoped fixtures hash fast too."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _no_language_left_over():
    """A request of the test client activates its page's language in this thread and leaves it
    there; messages choose their language when shown, so each test starts as outside a request."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own temporary directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session: starting it costs about a second."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab in a fresh context (no cookies, no language choice) per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def shoot(page, request):
    """`shoot(name)` saves a full-page screenshot for a person to look at, with --screenshots only: each
    costs a few tenths of a second, and nothing checks them. JPEG: a full-page PNG takes about twice as long."""
    folder = SCREENSHOTS / request.module.__name__.rsplit(".", 1)[-1]

    def take(name: str) -> Path | None:
        if not request.config.getoption("--screenshots"):
            return None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.jpg"
        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70)
        return path

    return take
