"""Organisations (a coded hierarchy), people, and their roles on a subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pts.core.constraints import choices_check

if TYPE_CHECKING:
    from collections.abc import Iterable


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    AGENCY = "agency", _("Agency")
    DISBURSING_UNIT = "disbursing_unit", _("Disbursing unit")
    DEPARTMENT = "department", _("Department")
    BUREAU = "bureau", _("Bureau")
    WORK_GROUP = "work_group", _("Work group")


# Which kinds may sit under which: province -> agency -> disbursing unit; department -> bureau -> work group.
ALLOWED_PARENTS: dict[str, tuple[str | None, ...]] = {
    OrgKind.PROVINCE: (None,),
    OrgKind.AGENCY: (OrgKind.PROVINCE,),
    OrgKind.DISBURSING_UNIT: (OrgKind.AGENCY, OrgKind.PROVINCE),
    OrgKind.DEPARTMENT: (None,),
    OrgKind.BUREAU: (OrgKind.DEPARTMENT,),
    OrgKind.WORK_GROUP: (OrgKind.BUREAU,),
}


class OrgQuerySet(models.QuerySet["Org"]):
    def subtree_of(self, roots: Iterable[Org]) -> OrgQuerySet:
        """Every organisation at or below any of the given ones (materialised-path prefix)."""
        condition = Q(pk__in=[])
        for root in roots:
            condition |= Q(path__startswith=root.path)
        return self.filter(condition)

    def units(self) -> OrgQuerySet:
        """Organisations that hold money: everything but the two roots."""
        return self.exclude(kind__in=[OrgKind.PROVINCE, OrgKind.DEPARTMENT])


class Org(models.Model):
    """A node of the hierarchy. `path` is "/<id>/<id>/.../" from the root, set once at creation."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrgQuerySet.as_manager()
    scope_path = "path"

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            choices_check("kind", OrgKind, "org_kind_valid"),
            models.CheckConstraint(condition=~Q(code=""), name="org_code_not_empty"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(kind__in=["province", "department"]),
                name="org_roots_have_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_th}"

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_th

    def is_within(self, other: Org) -> bool:
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A person who signs in. Administrators are superusers; other powers come from memberships."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    OFFICER = "officer", _("Unit officer")
    COORDINATOR = "coordinator", _("Coordinator")
    EXECUTIVE = "executive", _("Executive")


class Membership(models.Model):
    """A role held on an organisation and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            choices_check("role", Role, "membership_role_valid"),
            models.UniqueConstraint(fields=["user", "org", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.org.code}"
