from django.urls import path

from pts.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<int:batch_id>/", views.batch_detail, name="batch"),
    path("<int:batch_id>/progress/", views.batch_progress, name="progress"),
    path("<int:batch_id>/confirm/", views.batch_confirm, name="confirm"),
    path("<int:batch_id>/cancel/", views.batch_cancel, name="cancel"),
    path("<int:batch_id>/undo/", views.batch_undo, name="undo"),
    path("<int:batch_id>/errors.csv", views.errors_csv, name="errors_csv"),
    path("<int:batch_id>/totals.csv", views.totals_csv, name="totals_csv"),
]
