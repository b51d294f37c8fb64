from django.apps import AppConfig

from pts.schemes import hooks


class ScoringConfig(AppConfig):
    name = "pts.scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pts.scoring import positions, rulesets  # models load only once the app registry is ready

        hooks.register(check_rule_set=rulesets.check_scheme_series, default_series=rulesets.default_series_for,
                       unit_positions=positions.of_scheme,
                       rule_set_choices=rulesets.choices_for, rule_set_label=rulesets.ref_label)
