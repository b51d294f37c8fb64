from django.urls import path

from pts.procurement import views

app_name = "procurement"
urlpatterns = [
    path("", views.index, name="index"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<int:holiday_id>/remove/", views.holiday_remove, name="holiday_remove"),
    path("<int:be_year>/", views.overview, name="overview"),
    path("<int:be_year>/late/", views.late, name="late"),
    path("<int:be_year>/units/", views.unit_figures, name="unit_figures"),
    path("<int:be_year>/export.xlsx", views.export, name="export"),
    path("<int:be_year>/import/", views.import_sheet, name="import"),
    path("units/<int:unit_id>/<int:be_year>/", views.unit_projects, name="unit_projects"),
    path("units/<int:unit_id>/<int:be_year>/new/", views.project_create, name="project_create"),
    path("units/<int:unit_id>/<int:be_year>/export.xlsx", views.unit_export, name="unit_export"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:project_id>/milestones/", views.milestones_edit, name="milestones"),
    path("projects/<int:project_id>/round/", views.round_update, name="round_update"),
    path("projects/<int:project_id>/instalments/new/", views.instalment_add, name="instalment_add"),
    path("milestones/<int:milestone_id>/", views.milestone_edit, name="milestone"),
    path("instalments/<int:instalment_id>/", views.instalment_edit, name="instalment"),
]
