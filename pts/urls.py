from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

# URL keyword names are shared across apps (the isolation test relies on them):
# unit_id, movement_id, reservation_id, report_id, period_id, evidence_id, scheme (code),
# user_id, membership_id, project_id, milestone_id, instalment_id, holiday_id, be_year, batch_id.
urlpatterns = [
    path("", include("pts.web.urls")),
    path("orgs/", include("pts.organisations.urls")),
    path("budget/", include("pts.budget.urls")),
    path("schemes/", include("pts.schemes.urls")),
    path("reports/", include("pts.reporting.urls")),
    path("audit/", include("pts.audit.urls")),
    path("scores/", include("pts.scoring.urls")),
    path("procurement/", include("pts.procurement.urls")),
    path("imports/", include("pts.imports.recon_urls")),
    path("imports/", include("pts.imports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)  # type: ignore[arg-type]
