from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "pts.schemes"
    default_auto_field = "django.db.models.BigAutoField"
