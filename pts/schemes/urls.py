from django.urls import path

from pts.schemes import views

app_name = "schemes"
urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("new/", views.scheme_create, name="create"),
    path("<slug:scheme>/", views.scheme_detail, name="detail"),
    path("<slug:scheme>/edit/", views.scheme_edit, name="edit"),
]
