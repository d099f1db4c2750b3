from typing import Any

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed deliveries of readiness events, retried by Celery (built on readiness)."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from readiness import events
        from webhooks import services

        def on_event(**kwargs: Any) -> None:
            services.deliveries_for_event(**kwargs)

        events.register_event_listener("webhooks", on_event)
