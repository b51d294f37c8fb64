from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "pts.imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "imports"
