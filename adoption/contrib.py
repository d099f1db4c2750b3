"""What adoption adds to readiness's pages (registered in AdoptionConfig.ready): the weekly
feedback trend panel on the use case's scorecard, and adoption facts on the portfolio."""

from __future__ import annotations

from django.urls import reverse

from adoption import selectors
from readiness.contrib import Panel
from readiness.models import UseCase

TREND_TEMPLATE = "adoption/partials/feedback_trend.html"


def feedback_panel(use_case: UseCase) -> Panel | None:
    """Weekly averages of the last 12 weeks (one aggregate query); None when nobody answered."""
    context = selectors.trend_context(use_case)
    if not context["trend_has_data"]:
        return None
    context["adoption_url"] = reverse(
        "adoption_usecase", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )
    return Panel(title="Weekly user feedback", template=TREND_TEMPLATE, context=context)


def register() -> None:
    from readiness import contrib

    contrib.register_panel("scorecard", "adoption.feedback", feedback_panel)
    contrib.register_portfolio_contributor("adoption", selectors.portfolio_facts)
