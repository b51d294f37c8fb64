from django.apps import AppConfig

from pts.schemes import hooks


class ProcurementConfig(AppConfig):
    name = "pts.procurement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pts.procurement import queries  # models load only once the app registry is ready

        hooks.register(deadline_set_choices=queries.deadline_set_choices,
                       default_deadline_sets=queries.default_deadline_sets,
                       check_deadline_sets=queries.check_deadline_sets)
