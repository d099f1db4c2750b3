"""Leadership scorecards: the portfolio's (every use case, by level) and one use case's (every
metric against target and baseline, with 90 days of trend), and their CSV and XLSX exports.

Every member of the organization reads them. The pages read roll-ups only, in a fixed number
of queries (see :mod:`metrics.selectors`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from metrics import exports, scorecards, selectors
from metrics.forms import PortfolioFilterForm
from metrics.models import Level
from metrics.views.common import page_context
from readiness import access
from readiness.models import Membership, Organization, UseCase
from readiness.selectors.state import content_state, once_per_state, shared_key
from readiness.views.common import AuthedRequest, member_required
from readiness.views.sorting import sort_links

EXPORT_BATCH = 200  # use cases per round of queries in the portfolio export
# The portfolio's table and pagination: what one state of its figures renders (shared).
TABLE_TEMPLATE = "metrics/partials/scorecard_portfolio_table.html"


def _sort(request: AuthedRequest) -> str:
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    return sort if sort.removeprefix("-") in selectors.SORTS else selectors.DEFAULT_SORT


# The same helper exists in readiness.views.use_cases and portfolio.views.dashboard, each with
# its own first-click directions; one shared helper would take those as an argument.
def _bad_format(fmt: str) -> HttpResponse:
    return HttpResponseBadRequest(
        f"Unknown export format “{fmt[:20]}”: use export.csv or export.xlsx.",
        content_type="text/plain; charset=utf-8",
    )


def _download(body: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    disposition = content_disposition_header(True, f"{filename}.{fmt}")
    response["Content-Disposition"] = disposition or "attachment"
    return response


def _status_legend() -> list[dict[str, str]]:
    return [
        {"status": s.value, "label": s.label, "badge": scorecards.BADGE[s]}
        for s in scorecards.Status
    ]


@member_required()
@require_GET
def portfolio(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=selectors.teams(organization))
    filters = form.filters()
    sort = _sort(request)
    today = selectors.today_utc()
    page = selectors.portfolio_use_cases(
        organization, sort=sort, page=request.GET.get("page"), **filters
    )
    use_cases = list(page.object_list)
    context = page_context(
        membership,
        "scorecards",
        form=form,
        page=page,
        levels=[label for _, label in Level.choices],
        sort=sort,
        sort_links=sort_links(sort, {key: key for key in selectors.SORTS}),
        is_filtered=any(filters.values()),
        week=scorecards.last_complete_week(today),
        min_samples=selectors.min_samples(),
        min_days=selectors.min_days(),
        legend=_status_legend(),
        query=request.GET.urlencode(),
        has_rows=bool(use_cases),
    )

    def render_table() -> tuple[dt.datetime | None, str]:
        rows = selectors.portfolio_rows(organization, use_cases, today=today)
        newest = max((row.computed_at for row in rows if row.computed_at), default=None)
        return newest, render_to_string(TABLE_TEMPLATE, {**context, "rows": rows}, request)

    # The table is rendered once per state of what it shows (the organization's content and
    # the page's weekly roll-ups) and shared by the members who see that state; not while a
    # week it judges awaits its roll-up (readiness.selectors.state).
    figures = (
        selectors.figures_state([uc.pk for uc in use_cases], today=today) if use_cases else None
    )
    if figures is None:
        newest, table = render_table()
    else:
        state = f"{content_state(organization.pk, today)}:{figures}"
        key = shared_key("scorecards", organization.pk, state, request.GET)
        newest, table = once_per_state(key, render_table)
    context.update(
        table=mark_safe(table),  # noqa: S308 (rendered from the template above)
        computed_text=scorecards.computed_text(newest, now=timezone.now()) if newest else "",
    )
    if request.htmx and request.htmx.target == "scorecard-results":
        return render(request, "metrics/partials/scorecard_portfolio_results.html", context)
    if request.GET.get("trend") == "1":
        # Without JavaScript the trend comes inline; with it, htmx loads it after the table.
        context.update(_trend_context(organization, filters, today))
    return render(request, "metrics/scorecard_portfolio.html", context)


def _trend_context(
    organization: Organization, filters: dict[str, str], today: dt.date
) -> dict[str, Any]:
    trend = selectors.portfolio_trend(organization, today=today, **filters)
    shares = {value: trend.share_on_target(value) for value, _ in Level.choices}
    levels: list[dict[str, Any]] = [
        {
            "level": value,
            "label": label,
            "latest": trend.latest(value),
            "targeted": trend.targeted.get(value, 0),
            "share": shares[value],
        }
        for value, label in Level.choices
    ]
    rows = [
        (week, [shares[value][i] for value, _ in Level.choices])
        for i, week in enumerate(trend.weeks)
    ]
    chart = {
        "labels": [w.isoformat() for w in trend.weeks],
        "series": [{"name": label, "values": shares[value]} for value, label in Level.choices],
    }
    return {"trend": trend, "trend_levels": levels, "trend_rows": rows, "trend_chart": chart}


@member_required()
@require_GET
def portfolio_trend(request: AuthedRequest, org: str) -> HttpResponse:
    """The portfolio's weekly share of metrics on target, by level: an aggregate over every
    use case, loaded by htmx after the table (a plain request gets the page with it inline)."""
    membership = request.membership
    if not request.htmx:
        query = request.GET.copy()
        query["trend"] = "1"
        return redirect(f"{reverse('scorecard_portfolio', args=[org])}?{query.urlencode()}")
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=selectors.teams(organization))
    today = selectors.today_utc()
    context = {
        "org": org,
        "week": scorecards.last_complete_week(today),
        "min_samples": selectors.min_samples(),
        "min_days": selectors.min_days(),
        **_trend_context(organization, form.filters(), today),
    }
    return render(request, "metrics/partials/scorecard_portfolio_trend.html", context)


@member_required()
@require_GET
def portfolio_export(request: AuthedRequest, org: str, fmt: str) -> HttpResponse:
    """The whole filtered portfolio (not only one page), one row per use case and metric."""
    membership = request.membership
    if fmt not in exports.FORMATS:
        return _bad_format(fmt)
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=selectors.teams(organization))
    use_cases = list(
        selectors.portfolio_queryset(organization, **form.filters()).order_by(
            *selectors.ordering(_sort(request))
        )
    )
    today = selectors.today_utc()
    cards: list[tuple[UseCase, list[selectors.LevelGroup]]] = []
    for start in range(0, len(use_cases), EXPORT_BATCH):
        batch = use_cases[start : start + EXPORT_BATCH]
        found = selectors.scorecards_for(batch, today=today)
        cards += [(uc, found[uc.pk]) for uc in batch]
    body = exports.portfolio_export(cards, fmt)
    return _download(body, fmt, f"scorecards-{organization.slug}-{today.isoformat()}")


def _use_case_context(membership: Membership, use_case: UseCase) -> dict[str, Any]:
    card = selectors.use_case_scorecard(use_case)
    org = membership.organization.slug
    return page_context(
        membership,
        "scorecards",
        use_case=use_case,
        card=card,
        charts=card.chart_data(),
        min_samples=selectors.min_samples(),
        legend=_status_legend(),
        can_edit=membership.can_edit_use_cases,
        # Org admins see which figures are stale because their roll-up fails, and why.
        rollup_failures=(selectors.rollup_failures(use_case) if membership.can_administer else []),
        can_administer=membership.can_administer,
        targets_url=reverse("metric_targets", kwargs={"org": org, "pk": use_case.pk}),
        # The trend starts with the use case: a use case that started today has none yet.
        trend_start=max(card.window_start, use_case.start_date),
    )


@member_required()
@require_GET
def use_case(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    found = access.access_use_case(request.membership, pk)
    membership = request.membership
    return render(request, "metrics/scorecard_use_case.html", _use_case_context(membership, found))


@member_required()
@require_GET
def use_case_export(request: AuthedRequest, org: str, pk: int, fmt: str) -> HttpResponse:
    found = access.access_use_case(request.membership, pk)
    if fmt not in exports.FORMATS:
        return _bad_format(fmt)
    card = selectors.use_case_scorecard(found)
    body = exports.use_case_export(found, card, fmt)
    return _download(body, fmt, f"scorecard-{org}-{found.pk}-{card.today.isoformat()}")
