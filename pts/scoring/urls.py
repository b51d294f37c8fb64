from django.urls import path

from pts.scoring import views

app_name = "scoring"
urlpatterns = [
    path("<slug:scheme>/", views.league, name="league"),
    path("<slug:scheme>/freeze/", views.freeze, name="freeze"),
    path("<slug:scheme>/rounds/<int:round_no>/frozen/", views.frozen, name="frozen"),
    path("<slug:scheme>/rounds/<int:round_no>/frozen.csv", views.frozen_export, {"fmt": "csv"}, name="frozen_csv"),
    path("<slug:scheme>/rounds/<int:round_no>/frozen.xlsx", views.frozen_export, {"fmt": "xlsx"}, name="frozen_xlsx"),
    path("<slug:scheme>/rules/", views.rules, name="rules"),
    path("<slug:scheme>/rules/start/", views.rules_start, name="rules_start"),
    path("<slug:scheme>/rules/history/", views.rules_history, name="rules_history"),
    path("<slug:scheme>/rules/export/", views.rules_export, name="rules_export"),
    path("<slug:scheme>/rules/import/", views.rules_import, name="rules_import"),
    path("<slug:scheme>/units/<int:unit_id>/", views.card, name="card"),
    path("<slug:scheme>/units/<int:unit_id>/override/", views.override, name="override"),
    path("<slug:scheme>/units/<int:unit_id>/deductions/", views.deduction_add, name="deduction_add"),
    path("<slug:scheme>/deductions/<int:event_id>/withdraw/", views.deduction_withdraw, name="deduction_withdraw"),
]
