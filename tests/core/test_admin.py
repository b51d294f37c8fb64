"""The Django admin shows every table and changes none: changes go through the audited actions."""

from __future__ import annotations

from django.contrib import admin
from django.test import RequestFactory

from pts.core.admin import ReadOnlyAdminMixin
from pts.procurement.models import ProcurementSettings

# saved through procurement_settings_set, which checks and audits it
WRITABLE = {ProcurementSettings}


def test_every_admin_of_the_project_is_read_only_with_its_inlines():
    request = RequestFactory().get("/admin/")
    project = {m: a for m, a in admin.site._registry.items() if m.__module__.startswith("pts.")}
    assert len(project) > 10
    for model, model_admin in project.items():
        if model in WRITABLE:
            continue
        assert isinstance(model_admin, ReadOnlyAdminMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, ReadOnlyAdminMixin), inline
        assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                    or model_admin.has_delete_permission(request)), model
