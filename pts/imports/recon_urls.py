from django.urls import path

from pts.imports import recon_views

app_name = "recon"
urlpatterns = [
    path("reconcile/<slug:scheme>/", recon_views.reconcile, name="reconcile"),
    path("reconcile/<slug:scheme>/accept/", recon_views.reconcile_accept, name="reconcile_accept"),
    path("report-fill/periods/<int:period_id>/units/<int:unit_id>/", recon_views.report_fill, name="report_fill"),
]
