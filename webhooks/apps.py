from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outbound webhooks: signed deliveries of readiness events, retried by Celery (built on readiness)."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
