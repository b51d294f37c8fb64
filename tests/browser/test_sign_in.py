"""In a real browser: sign in in Thai, see one's unit, switch to English, sign out; and the lockout."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")


def test_alice_signs_in_in_thai_sees_her_unit_switches_to_english_and_signs_out(page, shoot, live_server, world):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "th"
    assert page.locator("h1").inner_text() == "เข้าสู่ระบบ"
    shoot("01-login-th")

    sign_in(page, live_server.url, "alice", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    assert "หน่วยงานของท่าน" in page.content()
    assert page.locator("#my-units").get_by_text("หน่วยงานเอ").is_visible()
    assert "หน่วยงานบี" not in page.content()
    shoot("02-home-alice-th")

    page.get_by_role("link", name="หน่วยงานเอ").first.click()
    page.wait_for_url(f"{live_server.url}/orgs/{world.unit_a.pk}/")
    assert page.locator("h1").inner_text() == "หน่วยงานเอ"
    shoot("03-unit-a-th")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Organisations under this one" in page.content()
    page.goto(f"{live_server.url}/")
    assert "Your units" in page.content()  # the choice persists across pages
    shoot("04-home-alice-en")

    page.click("form.signout button")
    page.wait_for_url(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def test_too_many_wrong_passwords_lock_the_sign_in(page, shoot, live_server, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(page, live_server.url, "alice", "not-the-password")
        page.wait_for_load_state()
        assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page.content()
    shoot("05-login-failed-th")
    sign_in(page, live_server.url, "alice", "not-the-password")
    page.wait_for_load_state()
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in page.content()
    shoot("06-locked-out")
    sign_in(page, live_server.url, "alice", PASSWORD)  # even the right password is refused now
    page.wait_for_load_state()
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in page.content()
    assert "หน่วยงานของท่าน" not in page.content()


def test_the_coordinator_pages_render(page, shoot, live_server, world):
    sign_in(page, live_server.url, "carol", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    shoot("07-home-carol-th")
    page.goto(f"{live_server.url}/orgs/")
    shoot("08-tree-carol-th")
    page.goto(f"{live_server.url}/orgs/{world.unit_a.pk}/")
    shoot("09-unit-a-carol-th")
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").inner_text() == "ประวัติการแก้ไข"
    shoot("10-audit-carol-th")


def test_the_administrator_pages_render(page, shoot, live_server, world):
    sign_in(page, live_server.url, "root", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/orgs/users/")
    shoot("11-users-root-th")
    page.goto(f"{live_server.url}/orgs/users/{world.alice.pk}/")
    shoot("12-user-alice-root-th")
    page.goto(f"{live_server.url}/orgs/{world.unit_a.pk}/new/")
    page.fill("input[name=code]", "12345")
    page.fill("input[name=name_th]", "หน่วยเบิกจ่ายทดสอบ")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert "10 หลัก" in page.content()
    shoot("13-org-create-error-th")
    page.goto(f"{live_server.url}/no/such/page/")
    shoot("14-not-found")
