from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "pts.reporting"
    default_auto_field = "django.db.models.BigAutoField"
