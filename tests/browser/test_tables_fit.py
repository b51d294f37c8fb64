"""At 1366 px, in Thai, on every page the demo's coordinator, executive and officer reach by following
in-app links (up to a bound): no table is wider than the box it sits in, nothing spills out of `main`,
and no scheme slug or rule-set id is visible text.

With --screenshots each page is saved under tests/screenshots/test_tables_fit/.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.test import override_settings

from pts.demo.loader import DEMO_PASSWORD, DEMO_TODAY, load_demo
from pts.schemes.models import Scheme
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAS = ("treasury", "governor", "officer01")
MAX_PAGES = 60  # per persona
PER_PATTERN = 3  # pages of one shape (ids replaced) per persona: one unit's ledger is like another's
SKIP = re.compile(r"\.(csv|xlsx|pdf|zip)$|^/(django-admin|i18n|static|media)/|/export|download|/file/$")

# For each table: how much wider it is than its parent's inner box; and how far `main`'s content
# reaches past `main` itself.
MEASURE = """() => {
  const out = [];
  for (const t of document.querySelectorAll('main table')) {
    if (!t.offsetParent) continue;
    const box = t.parentElement;
    const over = Math.ceil(t.getBoundingClientRect().width) - box.clientWidth;
    const scrolls = box.scrollWidth - box.clientWidth;
    if (over > 1 || scrolls > 1) {
      const head = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim()).join(' | ');
      out.push(`table ${over}px wider than its box (${head.slice(0, 120)})`);
    }
  }
  const main = document.querySelector('main');
  if (main && main.scrollWidth > main.clientWidth + 1) out.push(`main overflows by ${main.scrollWidth - main.clientWidth}px`);
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('the page scrolls sideways');
  return out;
}"""


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def crawl(page, base: str, username: str, slugs: set[str], shoot=None) -> tuple[list[str], list[str]]:
    """Sign in, then breadth-first over same-site links. Returns (pages seen, problems found)."""
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "/login/" not in page.url, f"{username} could not sign in"
    queue, seen, shapes = deque(["/"]), {"/"}, Counter[str]()
    visited: list[str] = []
    problems: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(base + url)
        assert response is not None
        if response.status >= 400:
            problems.append(f"{username} {url}: HTTP {response.status}")
            continue
        visited.append(url)
        problems += [f"{username} {url}: {p}" for p in page.evaluate(MEASURE)]
        text = page.locator("body").inner_text()
        problems += [f"{username} {url}: shows the id {s!r}" for s in sorted(slugs) if s in text]
        if shoot:
            shoot(f"{username}-{len(visited):02d}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            href = urldefrag(href)[0]
            if not href.startswith(base):
                continue
            parts = urlsplit(href)
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen or SKIP.search(parts.path):
                continue
            seen.add(local)
            shape = _shape(parts.path)
            if shapes[shape] >= PER_PATTERN:
                continue
            shapes[shape] += 1
            queue.append(local)
    return visited, problems


PRINTED = """() => {
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const main = document.querySelector('main');
  return {
    page: getComputedStyle(document.body).page,
    nav: [...document.querySelectorAll('.topbar, .mainnav, .breadcrumb')].some(shown),
    controls: [...document.querySelectorAll('main input:not([type=hidden]), main select, main button')].filter(shown).length,
    narrow: [...document.querySelectorAll('main table')].filter(t => t.getBoundingClientRect().width < main.clientWidth - 1).length,
  };
}"""


def printed(page, base: str, url: str) -> dict:
    """How `url` lays out for the printer: its named page, and whether menus, controls or a narrow table show."""
    page.emulate_media(media="print")
    try:
        page.goto(base + url)
        return page.evaluate(PRINTED)
    finally:
        page.emulate_media(media="screen")


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


def test_no_page_the_demo_users_reach_is_wider_than_an_office_screen_or_shows_an_id(wide, live_server, request):
    load_demo()
    schemes = Scheme.objects.all()
    slugs = {s.code for s in schemes} | {s.rule_set for s in schemes if s.rule_set}
    folder = SCREENSHOTS / "test_tables_fit"

    def shoot(name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        wide.screenshot(path=str(folder / f"{name}.jpg"), full_page=True, type="jpeg", quality=60)

    problems: list[str] = []
    with override_settings(PTS_TODAY=DEMO_TODAY.isoformat()):
        for username in PERSONAS:
            wide.context.clear_cookies()
            visited, found = crawl(wide, live_server.url, username, slugs,
                                   shoot if request.config.getoption("--screenshots") else None)
            assert len(visited) >= 10, f"{username} reached only {visited}"
            problems += found
            if username == "treasury":
                board = next(u for u in visited if re.fullmatch(r"/reports/periods/\d+/(\?.*)?", u))
                league = next(u for u in visited if re.fullmatch(r"/scores/[^/]+/", u))
                # the year-end cards list the engine's own deductions apart from the coordinator's
                cards = [u for u in visited if re.fullmatch(r"/scores/[^/]+/units/\d+/", u)]
                automatic = 0
                for url in cards:
                    wide.goto(live_server.url + url)
                    automatic += wide.locator("ul.deductions-automatic li").count()
                    assert wide.locator("table.deductions-recorded").count() == 1
                assert cards and automatic > 0, cards
                for url in (board, league, "/procurement/2566/late/"):
                    assert printed(wide, live_server.url, url) == {
                        "page": "landscape", "nav": False, "controls": 0, "narrow": 0}, url
    assert not problems, "\n".join(problems)
