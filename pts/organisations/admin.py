"""Organisations and people in the Django admin: read-only.

Changes go through `pts.organisations.actions` (the app's own administration pages), which audit
them; an admin form would bypass the audit trail.
"""

from __future__ import annotations

from django.contrib import admin

from pts.core.admin import ReadOnlyAdminMixin
from pts.organisations.models import Membership, Org, User


@admin.register(Org)
class OrgAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name_th", "kind", "depth", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(User)
class UserAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["username", "display_name", "email", "is_superuser", "is_active", "last_login"]
    list_filter = ["is_superuser", "is_active"]
    search_fields = ["username", "display_name", "email"]
    exclude = ["password"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "org", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "org__code"]
    list_select_related = ["user", "org"]
