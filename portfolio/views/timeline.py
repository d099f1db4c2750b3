"""The portfolio timeline: every use case's 90-day plan on one axis, filtered like the portfolio."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from portfolio.forms import PortfolioFilterForm
from portfolio.selectors import portfolio_teams
from portfolio.timeline import portfolio_timeline
from readiness.views.common import AuthedRequest, member_required


@member_required()
def portfolio_timeline_page(request: AuthedRequest, org: str) -> HttpResponse:
    """Every member may read it, as they may read the portfolio."""
    membership = request.membership
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=portfolio_teams(organization))
    filters = form.filters()
    return render(
        request,
        "portfolio/timeline.html",
        {
            "membership": membership,
            "organization": organization,
            "org": organization.slug,
            "nav": "timeline",
            "form": form,
            "timeline": portfolio_timeline(organization, filters=filters),
            "is_filtered": bool(filters),
        },
    )
