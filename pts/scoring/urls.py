from django.urls import path

from pts.scoring import views

app_name = "scoring"
urlpatterns = [
    path("<slug:scheme>/", views.league, name="league"),
    path("<slug:scheme>/freeze/", views.freeze, name="freeze"),
    path("<slug:scheme>/units/<int:unit_id>/", views.card, name="card"),
    path("<slug:scheme>/units/<int:unit_id>/override/", views.override, name="override"),
]
