from django.urls import path

from pts.budget import views

app_name = "budget"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:be_year>/", views.overview, name="overview"),
    path("units/<int:unit_id>/<int:be_year>/", views.unit_ledger, name="unit_ledger"),
    path("units/<int:unit_id>/<int:be_year>/movements.csv", views.unit_movements_csv, name="unit_movements_csv"),
    path("units/<int:unit_id>/<int:be_year>/allocate/", views.allocate, name="allocate"),
    path("units/<int:unit_id>/<int:be_year>/transfer/", views.transfer, name="transfer"),
    path("units/<int:unit_id>/<int:be_year>/pullback/", views.pullback, name="pullback"),
    path("units/<int:unit_id>/<int:be_year>/carry-over/", views.carry_over, name="carry_over"),
    path("units/<int:unit_id>/<int:be_year>/commitments/new/", views.unit_commitment, name="unit_commitment"),
    path("units/<int:unit_id>/<int:be_year>/disbursements/new/", views.unit_disbursement, name="unit_disbursement"),
    path("units/<int:unit_id>/<int:be_year>/reservations/", views.reservations, name="reservations"),
    path("units/<int:unit_id>/<int:be_year>/reservations/new/", views.reservation_create, name="reservation_create"),
    path("reservations/<int:reservation_id>/commit/", views.reservation_commit, name="reservation_commit"),
    path("reservations/<int:reservation_id>/cancel/", views.reservation_cancel, name="reservation_cancel"),
    path("movements/<int:movement_id>/reverse/", views.movement_reverse, name="movement_reverse"),
]
