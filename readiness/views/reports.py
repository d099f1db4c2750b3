"""The leadership report: printable portfolio and use case pages, and the portfolio exports.

Every member of the organization may read them, as they may read the portfolio dashboard.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from readiness import access, reports
from readiness.portfolio import PHASES, VERDICTS
from readiness.views.common import AuthedRequest

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def report_portfolio(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    report = reports.portfolio_report(membership.organization, filters=request.GET)
    return render(
        request,
        "readiness/report_portfolio.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "portfolio",
            "report": report,
            "filter_labels": _filter_labels(report.filters),
            "query": request.GET.urlencode(),
        },
    )


def _filter_labels(filters: dict[str, str]) -> list[str]:
    labels = {
        "team": lambda v: f"Team: {v}",
        "q": lambda v: f"Search: “{v}”",
        "phase": lambda v: f"Stage: {PHASES.get(v, v)}",
        "verdict": lambda v: f"Verdict: {VERDICTS.get(v, v)}",
        "risk_tier": lambda v: f"Risk tier: {v}",
    }
    return [labels[k](v) for k, v in filters.items() if k in labels]


@login_required
def report_portfolio_export(request: AuthedRequest, org: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("Export as .csv or .xlsx")
    membership = access.membership_for(request.user, org)
    organization = membership.organization
    report = reports.portfolio_report(organization, filters=request.GET)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        content: str | bytes = reports.portfolio_csv(report.rows)
    else:
        content = reports.portfolio_xlsx(
            report.rows, title=f"{organization.name} portfolio, {stamp}"
        )
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-portfolio-{stamp}.{fmt}"'
    )
    return response


@login_required
def report_use_case(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    membership = access.membership_for(request.user, org)
    return render(
        request,
        "readiness/report_use_case.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "portfolio",
            "use_case": use_case,
            "report": reports.use_case_report(use_case),
        },
    )
