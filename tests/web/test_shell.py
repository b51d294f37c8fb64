"""The web shell: sign-in, the menu by role, the home page per role, languages and error pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.lang import english_page

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_sign_in_page_is_in_thai_by_default(client, world):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="th">' in body
    assert "เข้าสู่ระบบ" in body


def test_thai_stays_the_default_even_when_the_browser_asks_for_english(client, world):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="th">' in response.content.decode()


def test_a_correct_password_signs_in_and_lands_on_home(client, world):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "หน่วยงานเอ" in response.content.decode()


def test_a_wrong_password_is_refused_in_both_languages_without_saying_which_half_was_wrong(client, world):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in body and "the username or password is not correct" not in body
    english = english_page(client).post(reverse("login"), {"username": "alice", "password": "nope"}).content.decode()
    assert "the username or password is not correct" in english and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" not in english


def test_an_inactive_user_cannot_sign_in(client, world):
    world.alice.is_active = False
    world.alice.save()
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(world, settings):
    import pts.settings as project_settings

    # The test run uses a fast hasher (tests/conftest.py); put the project's own list back.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    world.alice.set_password(PASSWORD)
    assert world.alice.password.startswith("argon2")
    assert world.alice.check_password(PASSWORD)


def test_too_many_failures_lock_the_sign_in_without_leaking_details(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    body = response.content.decode()
    assert response.status_code == 429
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in body and "too many failed attempts" in body
    assert "alice" not in body
    assert "_auth_user_id" not in client.session


def test_sign_out_is_post_only(world):
    client = signed_in(world.alice)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_forms_without_a_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "แบบฟอร์มหมดอายุ" in response.content.decode()
    assert "_auth_user_id" in client.session


def test_the_home_page_shows_thai_text_and_a_buddhist_era_year(world):
    body = signed_in(world.alice).get("/").content.decode()
    assert "หน่วยงานของท่าน" in body
    years = [int(y) for y in re.findall(r"\b(25\d\d)\b", body)]
    assert any(y >= 2566 for y in years)


def test_switching_to_english_persists_across_pages(world):
    client = signed_in(world.alice)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body and "Your units" in body
    assert '<html lang="en">' in client.get(reverse("organisations:tree")).content.decode()
    client.post(reverse("set_language"), {"language": "th", "next": "/"})
    assert "หน่วยงานของท่าน" in client.get("/").content.decode()


def test_an_officer_home_lists_their_unit_only(world):
    body = signed_in(world.bob).get("/").content.decode()
    assert "หน่วยงานบี" in body
    assert "หน่วยงานเอ" not in body and "AG-A" not in body


def test_a_coordinator_home_shows_the_subtree_and_the_audit_link(world):
    body = signed_in(world.carol).get("/").content.decode()
    assert "PROV-T" in body
    assert reverse("audit:list") in body


def test_an_executive_home_shows_the_subtree_without_the_audit_link(world):
    body = signed_in(world.erin).get("/").content.decode()
    assert "PROV-T" in body
    assert reverse("audit:list") not in body


def test_only_administrators_see_the_administration_menu(world):
    assert reverse("organisations:users") in signed_in(world.root).get("/").content.decode()
    assert reverse("organisations:users") not in signed_in(world.carol).get("/").content.decode()


def test_a_missing_page_is_a_bilingual_404_without_a_trace(world):
    response = signed_in(world.alice).get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ไม่พบหน้าที่ต้องการ" in body and "The page was not found" in body
    assert "Traceback" not in body and "urlpatterns" not in body


def test_a_forbidden_page_is_a_bilingual_403(world):
    response = signed_in(world.alice).get(reverse("organisations:users"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "ท่านไม่มีสิทธิ์" in body and "You are not allowed" in body


def test_a_server_error_is_a_bilingual_500_without_a_trace(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "ระบบขัดข้อง" in body and "Something went wrong" in body


def test_url_if_gives_nothing_for_a_route_that_does_not_exist():
    from django.template import engines

    template = engines["django"].from_string(
        "{% url_if 'nowhere:at_all' 1 as u %}[{{ u }}]{% url_if 'home' as h %}[{{ h }}]"
    )
    assert template.render({}) == "[][/]"


def test_baht_and_bahttext_filters_format_satang():
    from django.template import engines

    template = engines["django"].from_string("{{ v|baht }} {{ v|bahttext }}")
    assert template.render({"v": 10100}) == "101.00 หนึ่งร้อยเอ็ดบาทถ้วน"


def test_a_crashing_page_shows_the_bilingual_500_and_hides_the_error(world, settings):
    settings.ROOT_URLCONF = "tests.web.boom_urls"
    client = Client(raise_request_exception=False)
    client.force_login(world.alice)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "ระบบขัดข้องชั่วคราว" in body and "Something went wrong" in body
    assert "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body


def test_a_session_ends_with_the_browser_and_after_the_configured_age(client, world, settings):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE <= 12 * 3600
