"""The executive portfolio dashboard: every use case, its verdict, score and what blocks it.

The results table is the page's cost (a page of judged rows, rendered): it is rendered once
per state of the organization's portfolio and shared by every reader who sees that state
(:func:`portfolio.selectors.portfolio_state`); any change a row shows moves the state, so a
reader never sees a table older than what they would have rendered.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from portfolio.forms import PortfolioFilterForm
from portfolio.rows import VERDICTS
from portfolio.score import __doc__ as SCORE_DOC
from portfolio.selectors import (
    DEFAULT_SORT,
    SORTS,
    portfolio_rows,
    portfolio_state,
    portfolio_teams,
)
from readiness.selectors.state import once_per_state, shared_key
from readiness.views.common import AuthedRequest, member_required
from readiness.views.sorting import sort_links

# Column -> the sort its header asks for first (numbers and verdicts read best first).
FIRST_CLICK = {
    "name": "name",
    "team": "team",
    "phase": "phase",
    "risk": "-risk",
    "score": "-score",
    "verdict": "verdict",
    "blockers": "-blockers",
}


RESULTS_TEMPLATE = "portfolio/partials/dashboard_results.html"


@member_required()
def portfolio_dashboard(request: AuthedRequest, org: str) -> HttpResponse:
    """Every member may read the portfolio; executives decide from the scale pages it links."""
    membership = request.membership
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=portfolio_teams(organization))
    filters = form.filters()
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    try:
        page_number = int(request.GET.get("page") or 1)
    except ValueError:
        page_number = 1
    context = {
        "membership": membership,
        "organization": organization,
        "org": organization.slug,
        "nav": "portfolio",
        "form": form,
        "sort": sort,
        "sort_links": sort_links(sort, FIRST_CLICK),
        "is_filtered": bool(filters),
        "verdicts": VERDICTS,
        "score_formula": SCORE_DOC,
    }
    today = timezone.localdate()
    key = shared_key(
        "portfolio", organization.pk, portfolio_state(organization, today), request.GET
    )

    def render_results() -> str:
        portfolio = portfolio_rows(
            organization, filters=filters, sort=sort, page=page_number, today=today
        )
        return render_to_string(
            RESULTS_TEMPLATE, {**context, "portfolio": portfolio, "page": portfolio}, request
        )

    results = once_per_state(key, render_results)
    if request.htmx and request.htmx.target == "portfolio-results":
        return HttpResponse(results)
    return render(
        request,
        "portfolio/dashboard.html",
        {**context, "results": mark_safe(results)},  # noqa: S308
    )
