from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    """The adoption rollout run as a change program: cohorts, training, usage boundaries,
    weekly feedback and the iteration log (built on readiness).

    ``ready`` adds its check to readiness's gate: live cohorts' managers trained, and a live
    cohort before scale.
    """

    name = "adoption"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from adoption import checks

        checks.register()
