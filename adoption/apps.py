from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    """The adoption rollout run as a change program: cohorts, training, usage boundaries,
    weekly feedback and the iteration log (built on readiness).

    ``ready`` plugs adoption into readiness without readiness importing it: the gate check
    (live cohorts' managers trained; a live cohort before scale), the scorecard panel, the
    portfolio facts and the demo seeder.
    """

    name = "adoption"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from adoption import checks, contrib, demo
        from readiness import demo as readiness_demo

        checks.register()
        contrib.register()
        readiness_demo.register_seeder("adoption", demo.seed)
