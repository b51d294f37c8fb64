from django.apps import AppConfig
from django.db.models.signals import post_migrate

from pts.core.db import optimize_after_migrate


class OrganisationsConfig(AppConfig):
    name = "pts.organisations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every app depends on this one, so it runs once per migrate, after all of them.
        post_migrate.connect(optimize_after_migrate, sender=self, dispatch_uid="pts-refresh-statistics")
