from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pts.audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pts.audit.actions import audit_record  # models load only once the app registry is ready
        from pts.organisations import trail

        trail.register(audit_record)
