"""Writes for organisations and people. Each runs in one transaction and writes its audit row.

Who may act (`permissions`): an organisation's coordinators add organisations under it and rename
it; administrators add top-level organisations and manage people and roles.
"""

from __future__ import annotations

import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from pts.core.records import snapshot
from pts.core.thai import bilingual, normalize_digits
from pts.organisations import permissions, trail
from pts.organisations.models import ALLOWED_PARENTS, Membership, Org, OrgKind, Role, User
from pts.organisations.permissions import SYSTEM_USERNAME, Actor

GFMIS_CODE = re.compile(r"^\d{10}$")


def _not_the_system(user: User) -> None:
    """The system's own account (`permissions.system_user`) never signs in and holds no role."""
    if user.username == SYSTEM_USERNAME:
        raise ValidationError({NON_FIELD_ERRORS: bilingual("บัญชีของระบบแก้ไขไม่ได้",
                                                           "the system's own account cannot be changed")})


@transaction.atomic
def org_create(
    *, actor: Actor, code: str, name_th: str, kind: str, parent: Org | None = None, name_en: str = ""
) -> Org:
    """Add an organisation under `parent`. A disbursing unit's code is its 10-digit GFMIS code."""
    if parent is None:
        permissions.require_administrator(actor)
    else:
        permissions.require_coordinator(actor, parent)
    code = normalize_digits(code).strip()
    if kind not in OrgKind.values:
        raise ValidationError({"kind": bilingual(f"ประเภท '{kind}' ไม่ถูกต้อง", f"unknown kind '{kind}'")})
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise ValidationError(
            {"parent": bilingual(f"'{kind}' อยู่ใต้ '{parent_kind}' ไม่ได้", f"a {kind} cannot sit under {parent_kind}")}
        )
    if kind == OrgKind.DISBURSING_UNIT and not GFMIS_CODE.match(code):
        raise ValidationError(
            {"code": bilingual(f"รหัสหน่วยเบิกจ่าย '{code}' ต้องเป็นตัวเลข 10 หลัก", f"disbursing-unit code '{code}' must be 10 digits")}
        )
    if not code:
        raise ValidationError({"code": bilingual("ต้องระบุรหัส", "a code is required")})
    if Org.objects.filter(code=code).exists():
        raise ValidationError({"code": bilingual(f"รหัส '{code}' มีอยู่แล้ว", f"code '{code}' already exists")})
    if not name_th.strip():
        raise ValidationError({"name_th": bilingual("ต้องระบุชื่อ", "a name is required")})
    org = Org.objects.create(code=code, name_th=name_th.strip(), name_en=name_en.strip(), kind=kind, parent=parent)
    org.path = f"{parent.path if parent else '/'}{org.pk:08d}/"  # zero-padded: siblings sort in creation order
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    trail.record(actor=actor, action="org.create", obj=org, unit=org, after=snapshot(org))
    return org


@transaction.atomic
def user_create(
    *, actor: Actor, username: str, password: str | None, display_name: str = "", email: str = "",
    is_superuser: bool = False,
) -> User:
    permissions.require_administrator(actor)
    if username.strip().lower() == SYSTEM_USERNAME:
        raise ValidationError({"username": bilingual(f"ชื่อผู้ใช้ '{username}' สงวนไว้สำหรับระบบ",
                                                     f"username '{username}' is reserved for the system")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": bilingual(f"ชื่อผู้ใช้ '{username}' มีอยู่แล้ว", f"username '{username}' is taken")})
    user = User(username=username, display_name=display_name, email=email,
                is_superuser=is_superuser, is_staff=is_superuser)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    trail.record(actor=actor, action="user.create", obj=user,
                 after=snapshot(user, ["username", "display_name", "email", "is_superuser", "is_active"]))
    return user


@transaction.atomic
def role_grant(*, actor: Actor, user: User, org: Org, role: str) -> Membership:
    permissions.require_administrator(actor)
    _not_the_system(user)
    if role not in Role.values:
        raise ValidationError({"role": bilingual(f"บทบาท '{role}' ไม่ถูกต้อง", f"unknown role '{role}'")})
    membership, created = Membership.objects.get_or_create(user=user, org=org, role=role)
    if created:
        trail.record(actor=actor, action="role.grant", obj=membership, unit=org,
                     after={"user": user.username, "org": org.code, "role": role})
    return membership


@transaction.atomic
def role_revoke(*, actor: Actor, membership: Membership) -> None:
    permissions.require_administrator(actor)
    before = {"user": membership.user.username, "org": membership.org.code, "role": membership.role}
    trail.record(actor=actor, action="role.revoke", obj=membership, unit=membership.org, before=before)
    membership.delete()


ORG_AUDITED_FIELDS = ["code", "name_th", "name_en", "kind", "parent", "is_active"]
USER_AUDITED_FIELDS = ["username", "display_name", "email", "is_superuser", "is_active"]


@transaction.atomic
def org_update(*, actor: Actor, org: Org, name_th: str, name_en: str = "", is_active: bool = True) -> Org:
    """Rename an organisation or mark it inactive. Code, kind and place in the tree never change."""
    permissions.require_coordinator(actor, org)
    if not name_th.strip():
        raise ValidationError({"name_th": bilingual("ต้องระบุชื่อ", "a name is required")})
    org = Org.objects.select_for_update().get(pk=org.pk)
    before = snapshot(org, ORG_AUDITED_FIELDS)
    org.name_th, org.name_en, org.is_active = name_th.strip(), name_en.strip(), is_active
    after = snapshot(org, ORG_AUDITED_FIELDS)
    if after != before:
        org.save(update_fields=["name_th", "name_en", "is_active"])
        trail.record(actor=actor, action="org.update", obj=org, unit=org, before=before, after=after)
    return org


@transaction.atomic
def user_update(*, actor: Actor, user: User, display_name: str, email: str = "", is_active: bool = True) -> User:
    """Change a person's display name, e-mail or active flag (an inactive person cannot sign in)."""
    permissions.require_administrator(actor)
    _not_the_system(user)
    if isinstance(actor, User) and actor.pk == user.pk and not is_active:
        raise ValidationError(
            {"is_active": bilingual("ปิดการใช้งานบัญชีของตนเองไม่ได้", "you cannot deactivate your own account")}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, USER_AUDITED_FIELDS)
    user.display_name, user.email, user.is_active = display_name.strip(), email.strip(), is_active
    after = snapshot(user, USER_AUDITED_FIELDS)
    if after != before:
        user.save(update_fields=["display_name", "email", "is_active"])
        trail.record(actor=actor, action="user.update", obj=user, before=before, after=after)
    return user


def password_problems(password: str, user: User | None = None) -> list[str]:
    """The password validators' complaints, each in Thai and English (empty when the password is fine)."""
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    def messages(language: str) -> list[str]:
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                return [str(m) for m in exc.messages]
        return []

    return [bilingual(th, en) for th, en in zip(messages("th"), messages("en"), strict=True)]


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str) -> User:
    """An administrator sets a new password for someone (the password itself is never audited)."""
    permissions.require_administrator(actor)
    _not_the_system(user)
    problems = password_problems(password, user)
    if problems:
        raise ValidationError({"password": problems})
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    trail.record(actor=actor, action="user.password_reset", obj=user,
                 before={"password": "(old)"}, after={"password": "(new)"})
    return user
