from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "pts.web"
    default_auto_field = "django.db.models.BigAutoField"
