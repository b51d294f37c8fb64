from django.apps import AppConfig

from pts.schemes import hooks


class ReportingConfig(AppConfig):
    name = "pts.reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pts.reporting import periods  # models load only once the app registry is ready

        hooks.register(open_periods=periods.periods_open, redate_periods=periods.periods_redate)
