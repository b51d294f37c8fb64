from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "pts.imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "imports"

    def ready(self) -> None:
        from pts.imports import recon_views
        from pts.schemes import hooks

        hooks.register(recon_summary=recon_views.board_summary, report_fill=recon_views.report_fill_offer)
