from django.urls import path

from pts.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.my_reports, name="my_reports"),
    path("periods/<int:period_id>/", views.period_status, name="period_status"),
    path("periods/<int:period_id>/reopen/", views.period_reopen, name="period_reopen"),
    path("periods/<int:period_id>/lock/", views.period_lock, name="period_lock"),
    path("periods/<int:period_id>/units/<int:unit_id>/", views.report_edit, name="report_edit"),
    path("periods/<int:period_id>/units/<int:unit_id>/reopen/", views.period_reopen_unit, name="period_reopen_unit"),
    path("periods/<int:period_id>/units/<int:unit_id>/request/", views.reopen_request, name="reopen_request"),
    path("requests/<int:request_id>/decline/", views.reopen_request_decline, name="reopen_request_decline"),
    path("<int:report_id>/", views.report_detail, name="report_detail"),
    path("<int:report_id>/submit/", views.report_submit, name="report_submit"),
    path("<int:report_id>/return/", views.report_return, name="report_return"),
    path("<int:report_id>/accept/", views.report_accept, name="report_accept"),
    path("units/<int:unit_id>/<int:be_year>/evidence/", views.evidence, name="evidence"),
    path("evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence_file"),
]
