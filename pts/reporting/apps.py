from django.apps import AppConfig

from pts.schemes import hooks


class ReportingConfig(AppConfig):
    name = "pts.reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pts.budget import years  # models load only once the app registry is ready
        from pts.reporting import periods, queries

        hooks.register(open_periods=periods.periods_open, redate_periods=periods.periods_redate)
        years.register(latest_reported=queries.latest_reported_as_of)
