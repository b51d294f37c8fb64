"""Who may write, decided in one place: every action of every `actions.py` asks here first.

`scope` says what a user sees; these functions say whether an actor may change something, and
refuse with the one error `NotAllowed`. What an action needs of its actor:

- EDIT a unit: an officer or a coordinator of it or of an organisation above it (EDIT with no
  unit: of any unit, before each row of an import is checked against its own);
- COORDINATE a unit: a coordinator of it or above (COORDINATE with no unit: of anything, for
  nationwide data such as extra holidays);
- ADMINISTER: an administrator (people, roles, top-level organisations).

An administrator passes every check, and so does `SYSTEM`, the system acting on its own (the demo
loader, management commands). A signed-out or inactive user passes none.
"""

from __future__ import annotations

import enum
from typing import Final, TypeAlias, TypeVar

from django.contrib.auth.hashers import make_password
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from pts.core.thai import bilingual
from pts.organisations import scope
from pts.organisations.models import Org, User

M = TypeVar("M", bound=Model)

SYSTEM_USERNAME: Final = "system"
SYSTEM_NAME: Final = "ระบบ"  # how the audit trail and every record name the system


class SystemActor:
    """The system as the actor of a change (there is one: `SYSTEM`). What it records is stored under
    its own user row ("system", shown as ระบบ), which cannot sign in."""

    __slots__ = ()

    def __str__(self) -> str:
        return SYSTEM_NAME

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()
Actor: TypeAlias = User | SystemActor


class SignedInRequest(HttpRequest):
    """For the type checker: the request of a view behind `login_required`, whose user is a `User`."""

    user: User


class NotAllowed(PermissionDenied, ValidationError):
    """The actor may not do this. A ValidationError on NON_FIELD_ERRORS, so a form shows the message
    as before; a PermissionDenied, so a view that lets it through answers 403."""

    def __init__(self, th: str, en: str) -> None:
        super().__init__({NON_FIELD_ERRORS: bilingual(th, en)})


class Need(enum.Enum):
    EDIT = "edit"
    COORDINATE = "coordinate"
    ADMINISTER = "administer"


def allows(actor: Actor, need: Need, org: Org | None = None) -> bool:
    """The one rule: may `actor` do what needs `need` on `org` (None: on nothing in particular)?"""
    if isinstance(actor, SystemActor):
        return True
    if not isinstance(actor, User) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if need is Need.ADMINISTER:
        return False
    if org is None:
        if need is Need.COORDINATE:
            return scope.is_coordinator(actor)
        return scope.editable(actor, Org.objects.all()).exists()
    if need is Need.COORDINATE:
        return scope.can_coordinate_unit(actor, org)
    return scope.can_edit_unit(actor, org)


def require(actor: Actor, need: Need, org: Org | None = None, *, scheme_code: str = "") -> User:
    """Refuse with NotAllowed unless `allows`; else the user to record as who acted (see `recorded_user`).
    `scheme_code` names the scheme in the message when `org` is its coordinating organisation."""
    if allows(actor, need, org):
        return recorded_user(actor)
    if not isinstance(actor, User):  # None or AnonymousUser, past the type checker
        raise NotAllowed("ต้องระบุผู้บันทึก", "an acting user is required")
    if need is Need.ADMINISTER:
        raise NotAllowed("เฉพาะผู้ดูแลระบบเท่านั้น", "only an administrator may do this")
    if org is None and need is Need.COORDINATE:
        raise NotAllowed("เฉพาะผู้ประสานงานเท่านั้น", "only a coordinator may do this")
    if org is None:
        raise NotAllowed("เฉพาะเจ้าหน้าที่หรือผู้ประสานงานเท่านั้น",
                         "only an officer or a coordinator may do this")
    if need is Need.EDIT:
        raise NotAllowed(f"{actor} ไม่มีสิทธิ์แก้ไขข้อมูลของ {org.code}",
                         f"{actor} may not change the data of {org.code}")
    if scheme_code:
        raise NotAllowed(f"{actor} ไม่ได้เป็นผู้ประสานงานของโครงการติดตาม {scheme_code}",
                         f"{actor} is not a coordinator of scheme {scheme_code}")
    raise NotAllowed(f"{actor} ไม่ได้เป็นผู้ประสานงานของ {org.code}", f"{actor} is not a coordinator of {org.code}")


def require_edit(actor: Actor, unit: Org | None = None) -> User:
    return require(actor, Need.EDIT, unit)


def require_coordinator(actor: Actor, org: Org | None = None, *, scheme_code: str = "") -> User:
    return require(actor, Need.COORDINATE, org, scheme_code=scheme_code)


def require_administrator(actor: Actor) -> User:
    return require(actor, Need.ADMINISTER)


def editable(actor: Actor, qs: QuerySet[M]) -> QuerySet[M]:
    """The rows of `qs` the actor may change: all of them for the system, else `scope.editable`'s."""
    return qs if isinstance(actor, SystemActor) else scope.editable(actor, qs)


def recorded_user(actor: Actor) -> User:
    """The user stored as who made a change: the actor itself, or the system's own user row."""
    if isinstance(actor, SystemActor):
        return system_user()
    if not isinstance(actor, User):
        raise TypeError(f"an actor is a User or SYSTEM, not {actor!r}")
    return actor


def system_user() -> User:
    """The user row of the system ("system", display name ระบบ, inactive, no password), made on first use."""
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": SYSTEM_NAME, "is_active": False, "password": make_password(None)},
    )
    if user.is_active or user.has_usable_password():
        raise RuntimeError(f"the username '{SYSTEM_USERNAME}' belongs to a person: rename that account")
    return user
