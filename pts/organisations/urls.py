from django.urls import path

from pts.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("new/", views.org_create, name="create_root"),
    path("<int:unit_id>/", views.detail, name="detail"),
    path("<int:unit_id>/new/", views.org_create, name="create_child"),
    path("<int:unit_id>/edit/", views.org_edit, name="edit"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("memberships/new/", views.role_grant, name="role_grant"),
    path("memberships/<int:membership_id>/revoke/", views.role_revoke, name="role_revoke"),
]
