from django.urls import path

from pts.scoring import views

app_name = "scoring"
urlpatterns = [
    path("<slug:scheme>/", views.league, name="league"),
    path("<slug:scheme>/freeze/", views.freeze, name="freeze"),
    path("<slug:scheme>/units/<int:unit_id>/", views.card, name="card"),
    path("<slug:scheme>/units/<int:unit_id>/override/", views.override, name="override"),
    path("<slug:scheme>/units/<int:unit_id>/deductions/", views.deduction_add, name="deduction_add"),
    path("<slug:scheme>/deductions/<int:event_id>/withdraw/", views.deduction_withdraw, name="deduction_withdraw"),
]
