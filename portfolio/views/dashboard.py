"""The executive portfolio dashboard: every use case, its verdict, score and what blocks it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from portfolio.forms import PortfolioFilterForm
from portfolio.rows import VERDICTS
from portfolio.score import __doc__ as SCORE_DOC
from portfolio.selectors import DEFAULT_SORT, SORTS, portfolio_rows, portfolio_teams
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
    portfolio = portfolio_rows(organization, filters=filters, sort=sort, page=page_number)
    context = {
        "membership": membership,
        "organization": organization,
        "org": organization.slug,
        "nav": "portfolio",
        "form": form,
        "portfolio": portfolio,
        "page": portfolio,
        "sort": sort,
        "sort_links": sort_links(sort, FIRST_CLICK),
        "is_filtered": bool(filters),
        "verdicts": VERDICTS,
        "score_formula": SCORE_DOC,
    }
    template = "portfolio/dashboard.html"
    if request.htmx and request.htmx.target == "portfolio-results":
        template = "portfolio/partials/dashboard_results.html"
    return render(request, template, context)
