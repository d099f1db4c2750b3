"""The leadership report: printable portfolio and use case pages, and the portfolio exports.

Every member of the organization may read them, as they may read the portfolio dashboard.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portfolio import reports
from portfolio.rows import PHASES, VERDICTS
from readiness import access
from readiness.views.common import AuthedRequest, member_required

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@member_required()
def report_portfolio(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    report = reports.portfolio_report(membership.organization, filters=request.GET)
    return render(
        request,
        "portfolio/report_portfolio.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "reports",
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


@member_required()
def report_portfolio_export(request: AuthedRequest, org: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_TYPES:
        raise Http404("Export as .csv or .xlsx")
    membership = request.membership
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


@member_required()
def report_use_case(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    return render(
        request,
        "portfolio/report_use_case.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "portfolio",
            "use_case": use_case,
            "report": reports.use_case_report(use_case),
        },
    )
