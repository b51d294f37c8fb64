from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "pts.organisations"
    default_auto_field = "django.db.models.BigAutoField"
