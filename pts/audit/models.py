"""The audit trail: who changed what, when, with the state before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change. Written by `pts.audit.actions.audit_record` in the same transaction as the change."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    unit = models.ForeignKey(
        "organisations.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fiscal_year = models.PositiveIntegerField(null=True, blank=True)
    period = models.DateField(null=True, blank=True, help_text="first day of the month concerned")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    # A change to a shared setting (an extra holiday) that moves the figures of every unit below
    # `unit` (of every unit, without one): the coordinators there see it too.
    reaches_down = models.BooleanField(default=False)

    scope_path = "unit__path"

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "at"]), models.Index(fields=["period", "unit"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
