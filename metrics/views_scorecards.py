"""Leadership scorecards: the portfolio's (every use case, by level) and one use case's (every
metric against target and baseline, with 90 days of trend), and their CSV and XLSX exports.

Every member of the organization reads them. The pages read roll-ups only, in a fixed number
of queries (see :mod:`metrics.selectors`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from metrics import exports, scorecards, selectors
from metrics.models import Level
from readiness import access, contrib
from readiness.models import UseCase, UseCaseStatus
from readiness.views.common import AuthedRequest

EXPORT_BATCH = 200  # use cases per round of queries in the portfolio export


class PortfolioFilterForm(forms.Form):
    """The portfolio's search and filters (GET). Every field is optional; bad values are ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or team"}),
    )
    team = forms.ChoiceField(label="Team", required=False)
    status = forms.ChoiceField(
        label="Use case status",
        required=False,
        choices=[("", "Any status"), *UseCaseStatus.choices],
    )

    def __init__(self, *args: Any, teams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ChoiceField)
        team.choices = [("", "Any team"), *[(t, t) for t in teams]]

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return {
            "q": (data.get("q") or "").strip(),
            "team": data.get("team") or "",
            "status": data.get("status") or "",
        }


def _sort(request: AuthedRequest) -> str:
    sort = request.GET.get("sort") or selectors.DEFAULT_SORT
    return sort if sort.removeprefix("-") in selectors.SORTS else selectors.DEFAULT_SORT


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the ``sort`` value its header links to and its aria-sort."""
    links = {}
    for key in selectors.SORTS:
        if current.removeprefix("-") == key:
            descending = current.startswith("-")
            links[key] = {
                "sort": key if descending else f"-{key}",
                "aria": "descending" if descending else "ascending",
            }
        else:
            links[key] = {"sort": key, "aria": ""}
    return links


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


@login_required
@require_GET
def portfolio(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    organization = membership.organization
    form = PortfolioFilterForm(request.GET, teams=selectors.teams(organization))
    filters = form.filters()
    sort = _sort(request)
    today = selectors.today_utc()
    page, rows = selectors.portfolio_page(
        organization, sort=sort, page=request.GET.get("page"), today=today, **filters
    )
    context = {
        "membership": membership,
        "organization": organization,
        "org": org,
        "nav": "scorecards",
        "form": form,
        "page": page,
        "rows": rows,
        "levels": [label for _, label in Level.choices],
        "sort": sort,
        "sort_links": _sort_links(sort),
        "is_filtered": any(filters.values()),
        "week": scorecards.last_complete_week(today),
        "min_samples": selectors.min_samples(),
        "legend": _status_legend(),
        "query": request.GET.urlencode(),
    }
    if request.htmx and request.htmx.target == "scorecard-results":
        return render(request, "metrics/partials/scorecard_portfolio_results.html", context)
    if request.GET.get("trend") == "1":
        # Without JavaScript the trend comes inline; with it, htmx loads it after the table.
        context.update(_trend_context(organization, filters, today))
    return render(request, "metrics/scorecard_portfolio.html", context)


def _trend_context(organization: Any, filters: dict[str, str], today: Any) -> dict[str, Any]:
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


@login_required
@require_GET
def portfolio_trend(request: AuthedRequest, org: str) -> HttpResponse:
    """The portfolio's weekly share of metrics on target, by level: an aggregate over every
    use case, loaded by htmx after the table (a plain request gets the page with it inline)."""
    membership = access.membership_for(request.user, org)
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
        **_trend_context(organization, form.filters(), today),
    }
    return render(request, "metrics/partials/scorecard_portfolio_trend.html", context)


@login_required
@require_GET
def portfolio_export(request: AuthedRequest, org: str, fmt: str) -> HttpResponse:
    """The whole filtered portfolio (not only one page), one row per use case and metric."""
    membership = access.membership_for(request.user, org)
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


def _panels(request: AuthedRequest, use_case: UseCase) -> list[dict[str, Any]]:
    """Sections other apps add to the scorecard (slot "scorecard"), each rendered with its own
    context."""
    return [
        {
            "title": panel.title,
            "html": render_to_string(panel.template, panel.context, request=request),
        }
        for panel in contrib.panels("scorecard", use_case)
    ]


def _use_case_context(request: AuthedRequest, membership: Any, use_case: UseCase) -> dict[str, Any]:
    card = selectors.use_case_scorecard(use_case)
    org = membership.organization.slug
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": org,
        "nav": "scorecards",
        "use_case": use_case,
        "card": card,
        "charts": card.chart_data(),
        "min_samples": selectors.min_samples(),
        "legend": _status_legend(),
        "can_edit": membership.can_edit_use_cases,
        "targets_url": reverse("metric_targets", kwargs={"org": org, "pk": use_case.pk}),
        "panels": _panels(request, use_case),
    }


@login_required
@require_GET
def use_case(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    found = access.access_use_case(request.user, pk, org_slug=org)
    membership = access.membership_for(request.user, org)
    return render(
        request, "metrics/scorecard_use_case.html", _use_case_context(request, membership, found)
    )


@login_required
@require_GET
def use_case_export(request: AuthedRequest, org: str, pk: int, fmt: str) -> HttpResponse:
    found = access.access_use_case(request.user, pk, org_slug=org)
    if fmt not in exports.FORMATS:
        return _bad_format(fmt)
    card = selectors.use_case_scorecard(found)
    body = exports.use_case_export(found, card, fmt)
    return _download(body, fmt, f"scorecard-{org}-{found.pk}-{card.today.isoformat()}")
