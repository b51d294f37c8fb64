"""Organisation pages: the tree, a unit's page, adding units, and the administrators' people pages."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from pts.audit.models import AuditEvent
from pts.organisations.models import Membership, Org, OrgKind, Role, User
from tests.factories import PASSWORD, make_org, make_user
from tests.lang import english_page

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The response body as a reader sees it (HTML entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The tree and a unit's page

def test_the_tree_shows_an_officer_only_their_own_unit(world):
    body = signed_in(world.alice).get(reverse("organisations:tree")).content.decode()
    assert "AG-A" in body
    assert "AG-B" not in body and "PROV-T" not in body


def test_the_tree_shows_a_coordinator_the_whole_subtree_indented(world):
    body = signed_in(world.carol).get(reverse("organisations:tree")).content.decode()
    assert body.index("PROV-T") < body.index("AG-A") < body.index("AG-B")
    assert "--indent: 1" in body


def test_the_tree_search_finds_by_code_in_thai_digits(world):
    make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="1234567890", name_th="หน่วยเบิกจ่ายหนึ่ง")
    body = signed_in(world.carol).get(reverse("organisations:tree"), {"q": "๑๒๓๔"}).content.decode()
    assert "1234567890" in body and "AG-B" not in body


def test_an_outsider_gets_404_on_another_units_page(world):
    assert signed_in(world.bob).get(reverse("organisations:detail", args=[world.unit_a.pk])).status_code == 404


def test_a_unit_page_lists_children_and_hides_people_from_officers(world):
    make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="1111111111", name_th="หน่วยเบิกจ่ายย่อย")
    body = signed_in(world.alice).get(reverse("organisations:detail", args=[world.unit_a.pk])).content.decode()
    assert "1111111111" in body
    assert "บุคลากรและบทบาท" not in body and "alice</td>" not in body


def test_a_coordinator_sees_who_holds_roles_on_a_unit(world):
    body = signed_in(world.carol).get(reverse("organisations:detail", args=[world.unit_a.pk])).content.decode()
    assert "บุคลากรและบทบาท" in body and ">alice<" in body


def test_an_executive_sees_the_unit_but_not_its_people(world):
    body = signed_in(world.erin).get(reverse("organisations:detail", args=[world.unit_a.pk])).content.decode()
    assert "AG-A" in body and "บุคลากรและบทบาท" not in body


# Adding and editing organisations

def test_a_coordinator_adds_a_disbursing_unit_with_a_thai_digit_gfmis_code(world):
    response = signed_in(world.carol).post(
        reverse("organisations:create_child", args=[world.unit_a.pk]),
        {"kind": OrgKind.DISBURSING_UNIT, "code": "๐๑๒๓๔๕๖๗๘๙", "name_th": "หน่วยเบิกจ่ายใหม่", "name_en": ""},
    )
    org = Org.objects.get(code="0123456789")
    assert response.status_code == 302 and response["Location"] == reverse("organisations:detail", args=[org.pk])
    assert org.parent == world.unit_a and org.path == f"{world.unit_a.path}{org.pk:08d}/"
    assert AuditEvent.objects.filter(action="org.create", object_id=str(org.pk), actor=world.carol).exists()


def test_a_disbursing_unit_code_that_is_not_ten_digits_is_refused_and_nothing_is_stored(world):
    before = Org.objects.count()
    client = signed_in(world.carol)
    def post():
        return client.post(reverse("organisations:create_child", args=[world.unit_a.pk]),
                           {"kind": OrgKind.DISBURSING_UNIT, "code": "12345", "name_th": "หน่วยผิด"})
    response = post()
    body = text(response)
    assert response.status_code == 200
    assert "'12345'" in body and "10 หลัก" in body and "10 digits" not in body  # Thai only
    english_page(client)
    body = text(post())
    assert "'12345'" in body and "10 digits" in body and "10 หลัก" not in body
    assert Org.objects.count() == before


def test_a_kind_that_cannot_sit_under_the_parent_is_not_offered(world):
    response = signed_in(world.carol).get(reverse("organisations:create_child", args=[world.unit_a.pk]))
    kinds = [value for value, _label in response.context["form"].fields["kind"].choices]
    assert kinds == [OrgKind.DISBURSING_UNIT]


def test_an_officer_may_not_add_units_under_their_own_unit(world):
    url = reverse("organisations:create_child", args=[world.unit_a.pk])
    assert signed_in(world.alice).get(url).status_code == 403
    assert signed_in(world.bob).get(url).status_code == 404


def test_only_administrators_add_top_level_organisations(world):
    data = {"kind": OrgKind.PROVINCE, "code": "PROV-2", "name_th": "จังหวัดที่สอง"}
    assert signed_in(world.carol).post(reverse("organisations:create_root"), data).status_code == 403
    assert signed_in(world.root).post(reverse("organisations:create_root"), data).status_code == 302
    assert Org.objects.get(code="PROV-2").depth == 0


def test_a_coordinator_renames_a_unit_and_the_change_is_audited_before_and_after(world):
    response = signed_in(world.carol).post(
        reverse("organisations:edit", args=[world.unit_a.pk]),
        {"name_th": "หน่วยงานเอใหม่", "name_en": "Agency A", "is_active": "on"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="org.update")
    assert event.before["name_th"] == "หน่วยงานเอ" and event.after["name_th"] == "หน่วยงานเอใหม่"
    assert event.unit == world.unit_a and event.actor == world.carol


def test_an_officer_may_not_edit_their_unit(world):
    url = reverse("organisations:edit", args=[world.unit_a.pk])
    assert signed_in(world.alice).post(url, {"name_th": "x"}).status_code == 403
    world.unit_a.refresh_from_db()
    assert world.unit_a.name_th == "หน่วยงานเอ"


# Administration: users and roles

@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "erin"])
def test_only_administrators_reach_the_people_pages(world, persona):
    client = signed_in(getattr(world, persona))
    membership = Membership.objects.get(user=world.alice)
    assert client.get(reverse("organisations:users")).status_code == 403
    assert client.get(reverse("organisations:user_edit", args=[world.alice.pk])).status_code == 403
    assert client.post(reverse("organisations:role_revoke", args=[membership.pk])).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_the_users_list_shows_roles_and_searches(world):
    client = signed_in(world.root)
    body = client.get(reverse("organisations:users")).content.decode()
    assert "alice" in body and "AG-A" in body
    body = client.get(reverse("organisations:users"), {"q": "bob"}).content.decode()
    assert "bob" in body and ">alice<" not in body


def test_an_administrator_creates_a_user_with_a_strong_password(world):
    response = signed_in(world.root).post(reverse("organisations:user_create"), {
        "username": "dave", "display_name": "Dave", "email": "", "password": PASSWORD,
    })
    dave = User.objects.get(username="dave")
    assert response.status_code == 302
    assert dave.check_password(PASSWORD) and not dave.is_superuser
    assert AuditEvent.objects.filter(action="user.create", object_id=str(dave.pk)).exists()


def test_a_weak_password_is_refused_in_both_languages(world):
    client = signed_in(world.root)
    body = text(client.post(reverse("organisations:user_create"), {"username": "dave", "password": "12345"}))
    assert "รหัสผ่านสั้นเกินไป" in body and "too short" not in body  # the page's language only
    body = text(english_page(client).post(reverse("organisations:user_create"), {"username": "dave", "password": "12345"}))
    assert "too short" in body and "รหัสผ่านสั้นเกินไป" not in body
    assert not User.objects.filter(username="dave").exists()


def test_a_taken_username_is_refused(world):
    response = signed_in(world.root).post(reverse("organisations:user_create"), {
        "username": "alice", "password": PASSWORD,
    })
    assert "'alice'" in text(response)
    assert User.objects.filter(username="alice").count() == 1


def test_deactivating_a_user_is_audited_and_stops_their_sign_in(world):
    response = signed_in(world.root).post(reverse("organisations:user_edit", args=[world.alice.pk]), {
        "display_name": "Alice A.", "email": "alice@example.org",
    })
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert not world.alice.is_active
    event = AuditEvent.objects.get(action="user.update")
    assert event.before["is_active"] is True and event.after["is_active"] is False
    assert event.after["display_name"] == "Alice A."
    response = Client().post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in text(response)


def test_an_administrator_cannot_deactivate_themselves(world):
    response = signed_in(world.root).post(reverse("organisations:user_edit", args=[world.root.pk]), {
        "display_name": "Root",
    })
    assert response.status_code == 400
    world.root.refresh_from_db()
    assert world.root.is_active


def test_an_administrator_resets_a_password_and_the_audit_row_holds_no_password(world):
    new = "a-much-better-password-7"
    response = signed_in(world.root).post(reverse("organisations:user_password", args=[world.alice.pk]),
                                          {"password": new})
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.check_password(new)
    event = AuditEvent.objects.get(action="user.password_reset")
    assert new not in str(event.before) + str(event.after) and world.alice.password not in str(event.after)


def test_a_password_reset_must_be_posted(world):
    url = reverse("organisations:user_password", args=[world.alice.pk])
    assert signed_in(world.root).get(url).status_code == 405


def test_granting_and_revoking_a_role_is_audited(world):
    client = signed_in(world.root)
    response = client.post(reverse("organisations:role_grant"),
                           {"username": "bob", "org_code": "AG-A", "role": Role.EXECUTIVE})
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.bob, org=world.unit_a, role=Role.EXECUTIVE)
    grant = AuditEvent.objects.get(action="role.grant", object_id=str(membership.pk))
    assert grant.after == {"user": "bob", "org": "AG-A", "role": "executive"} and grant.actor == world.root
    response = client.post(reverse("organisations:role_revoke", args=[membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    revoke = AuditEvent.objects.get(action="role.revoke")
    assert revoke.before == {"user": "bob", "org": "AG-A", "role": "executive"} and revoke.after is None


def test_granting_a_role_on_an_unknown_org_names_the_code(world):
    response = signed_in(world.root).post(reverse("organisations:role_grant"),
                                          {"username": "bob", "org_code": "NOPE", "role": Role.OFFICER})
    assert response.status_code == 400
    assert "'NOPE'" in text(response)
    assert Membership.objects.filter(user=world.bob).count() == 1


def test_a_revoke_must_be_posted(world):
    membership = Membership.objects.get(user=world.alice)
    assert signed_in(world.root).get(reverse("organisations:role_revoke", args=[membership.pk])).status_code == 405


def test_a_new_user_without_roles_is_told_to_ask_for_one(world):
    dave = make_user(username="dave")
    body = signed_in(dave).get("/").content.decode()
    assert "ท่านยังไม่ได้รับบทบาท" in body


def test_the_tree_lists_siblings_by_code_under_their_parent(world):
    late = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_b, code="0000000002")
    early = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_b, code="0000000001")
    under_a = make_org(kind=OrgKind.DISBURSING_UNIT, parent=world.unit_a, code="0000000009")
    rows = signed_in(world.carol).get(reverse("organisations:tree")).context["rows"]
    assert [r.org.code for r in rows] == ["PROV-T", "AG-A", under_a.code, "AG-B", early.code, late.code]
    assert [r.indent for r in rows] == [0, 1, 2, 1, 2, 2]
