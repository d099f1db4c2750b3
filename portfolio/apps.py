from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """The executive app, the top floor: the portfolio, scale decisions, the six answers, the
    readiness score, leadership reports and the weekly digest. It imports readiness, governance,
    metrics and adoption directly. It registers one thing: it follows readiness's
    ``UseCasesChanged`` event to keep each use case's stored readiness up to date
    (:mod:`portfolio.stored`)."""

    name = "portfolio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portfolio.stored import on_use_cases_changed
        from readiness import events

        events.subscribe(events.UseCasesChanged, "portfolio.stored", on_use_cases_changed)
