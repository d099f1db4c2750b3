from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    """The adoption rollout run as a change program: cohorts, training, usage boundaries,
    weekly feedback and the iteration log (built on readiness)."""

    name = "adoption"
    default_auto_field = "django.db.models.BigAutoField"
