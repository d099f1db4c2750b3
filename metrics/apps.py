from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Metric definitions, samples, roll-ups and scorecards (built on readiness)."""

    name = "metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from metrics.checks import metric_gate_check
        from metrics.ingestion import auth  # noqa: F401  (registers the token scheme with drf-spectacular)
        from readiness import gate

        gate.register_check("metrics.quality_targets", metric_gate_check)
