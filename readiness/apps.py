from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = "Readiness"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from readiness import answers, gate

        gate.register_builtin_checks()
        answers.register()
