from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Metric definitions, samples, roll-ups and scorecards (built on readiness)."""

    name = "metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from metrics import (
            auth,  # noqa: F401  (registers the token scheme with drf-spectacular)
            contrib,
        )
        from metrics.checks import metric_gate_bulk, metric_gate_check
        from metrics.demo import seed
        from readiness import demo, gate

        gate.register_check("metrics.quality_targets", metric_gate_check, bulk=metric_gate_bulk)
        demo.register_seeder("metrics", seed)
        contrib.register()  # scorecard facts and scale answers for readiness's executive pages
