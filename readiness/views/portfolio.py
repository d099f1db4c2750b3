"""The executive portfolio dashboard: every use case, its verdict, score and what blocks it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from readiness import access
from readiness.forms_executive import PortfolioFilterForm
from readiness.portfolio import DEFAULT_SORT, SORTS, VERDICTS, portfolio_rows, portfolio_teams
from readiness.readiness_score import __doc__ as SCORE_DOC
from readiness.views.common import AuthedRequest

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


def sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the ``sort`` its header links to, and its aria-sort."""
    links = {}
    for key, first in FIRST_CLICK.items():
        if current.removeprefix("-") == key:
            descending = current.startswith("-")
            links[key] = {
                "sort": key if descending else f"-{key}",
                "aria": "descending" if descending else "ascending",
            }
        else:
            links[key] = {"sort": first, "aria": ""}
    return links


@login_required
def portfolio_dashboard(request: AuthedRequest, org: str) -> HttpResponse:
    """Every member may read the portfolio; executives decide from the scale pages it links."""
    membership = access.membership_for(request.user, org)
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
        "sort_links": sort_links(sort),
        "is_filtered": bool(filters),
        "verdicts": VERDICTS,
        "score_formula": SCORE_DOC,
    }
    template = "readiness/portfolio.html"
    if request.htmx and request.htmx.target == "portfolio-results":
        template = "readiness/partials/portfolio_results.html"
    return render(request, template, context)
