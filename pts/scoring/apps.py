from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "pts.scoring"
    default_auto_field = "django.db.models.BigAutoField"
