from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health and readiness probes, Prometheus metrics, request ids in logs, error
    pages, and the beat scheduler that keeps a single beat sending. A side app at the top: it
    reads the other apps (the roll-up marks of metrics), nothing reads it."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import signals

        signals.connect()
