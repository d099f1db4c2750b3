from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed deliveries of readiness's outbound events, retried by Celery."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from readiness import events
        from webhooks import services

        events.subscribe(events.Outbound, "webhooks", services.deliveries_for_event)
