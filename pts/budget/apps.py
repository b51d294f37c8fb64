from django.apps import AppConfig

from pts.core import appendonly


class BudgetConfig(AppConfig):
    name = "pts.budget"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        appendonly.install()  # SQLite connections learn pts_rewrite_allowed() for the append-only guard
