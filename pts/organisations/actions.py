"""Writes for organisations and people. Each runs in one transaction and writes its audit row."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pts.audit.actions import audit_record, snapshot
from pts.core.thai import bilingual, normalize_digits
from pts.organisations.models import ALLOWED_PARENTS, Membership, Org, OrgKind, Role, User

GFMIS_CODE = re.compile(r"^\d{10}$")


@transaction.atomic
def org_create(
    *, actor: Any, code: str, name_th: str, kind: str, parent: Org | None = None, name_en: str = ""
) -> Org:
    """Add an organisation under `parent`. A disbursing unit's code is its 10-digit GFMIS code."""
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
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    audit_record(actor=actor, action="org.create", obj=org, unit=org, after=snapshot(org))
    return org


@transaction.atomic
def user_create(
    *, actor: Any, username: str, password: str | None, display_name: str = "", email: str = "",
    is_superuser: bool = False,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": bilingual(f"ชื่อผู้ใช้ '{username}' มีอยู่แล้ว", f"username '{username}' is taken")})
    user = User(username=username, display_name=display_name, email=email,
                is_superuser=is_superuser, is_staff=is_superuser)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.create", obj=user,
                 after=snapshot(user, ["username", "display_name", "email", "is_superuser", "is_active"]))
    return user


@transaction.atomic
def role_grant(*, actor: Any, user: User, org: Org, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": bilingual(f"บทบาท '{role}' ไม่ถูกต้อง", f"unknown role '{role}'")})
    membership, created = Membership.objects.get_or_create(user=user, org=org, role=role)
    if created:
        audit_record(actor=actor, action="role.grant", obj=membership, unit=org,
                     after={"user": user.username, "org": org.code, "role": role})
    return membership


@transaction.atomic
def role_revoke(*, actor: Any, membership: Membership) -> None:
    before = {"user": membership.user.username, "org": membership.org.code, "role": membership.role}
    audit_record(actor=actor, action="role.revoke", obj=membership, unit=membership.org, before=before)
    membership.delete()
