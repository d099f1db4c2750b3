"""Reading the numbers: ``GET /api/v1/metrics/rollups/`` (daily or weekly figures of a use case,
every one with its sample size, its interval and when it was computed) and
``GET /api/v1/metrics/scorecards/{use_case}/`` (a use case's scorecard as the page shows it).

Both read *fresh* figures (:func:`metrics.selectors.fresh_rollups`): the roll-ups, with the
periods that have samples newer than their roll-up recomputed on read, as the gate does. Both
accept a person's session (any role, in their organizations) and an organization API token
(its organization's use cases, within the token's use cases when it is limited to some).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import scorecards, selectors, stats
from metrics.access import access_use_case_figures
from metrics.api.figure_docs import ROLLUP_EXAMPLES, SCORECARD_EXAMPLE
from metrics.ingestion.auth import MachineClient
from metrics.models import MetricDefinition, MetricKind, Period
from metrics.serializers import RollupFigureSerializer, ScorecardSerializer
from readiness.api.common import BAD_FILTER, FORBIDDEN, MAX_ID, NOT_FOUND, PathIdsMixin, query_id
from readiness.api_pagination import BoundedLimitOffsetPagination

# The longest range one request may ask for (a year of days, two years of weeks): bounded
# work per request; page through longer spans with several requests.
MAX_DAYS = 366
MAX_WEEKS = 104
DEFAULT_DAYS = 30
DEFAULT_WEEKS = 12


class CanReadFigures(permissions.BasePermission):
    """A signed-in person, or an organization API token (which reads its own use cases)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) or isinstance(
            request.user, MachineClient
        )


class FigureReadView(PathIdsMixin, APIView):
    accepts_api_tokens = True
    permission_classes = [CanReadFigures]


def _date(request: Request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["A date as YYYY-MM-DD, e.g. 2026-03-01."]}) from None


def _range(request: Request, period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """``from`` and ``to`` (inclusive, UTC), defaulted and checked; for weeks, ``from`` moves
    back to its Monday so that the week holding it is included."""
    last = _date(request, "to") or today
    first = _date(request, "from")
    if first is None:
        span = dt.timedelta(days=DEFAULT_DAYS - 1 if period == Period.DAY else 7 * DEFAULT_WEEKS)
        first = last - span
    if first > last:
        raise ValidationError({"from": [f"'from' ({first}) is after 'to' ({last})."]})
    if period == Period.WEEK:
        first = stats.week_start(first)
        if (last - first).days // 7 + 1 > MAX_WEEKS:
            raise ValidationError(
                {"from": [f"At most {MAX_WEEKS} weeks per request: move 'from' or 'to'."]}
            )
    elif (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(
            {"from": [f"At most {MAX_DAYS} days per request: move 'from' or 'to'."]}
        )
    return first, last


def _period(request: Request) -> str:
    raw = request.query_params.get("period") or Period.DAY
    if raw not in Period.values:
        raise ValidationError({"period": [f"Give day or week, not '{raw[:20]}'."]})
    return raw


def _metrics(request: Request, organization_id: int) -> list[MetricDefinition]:
    metrics = selectors.visible_metrics(organization_id)
    key = request.query_params.get("metric")
    if key is None or key == "":
        return sorted(metrics, key=lambda m: m.key)
    chosen = [m for m in metrics if m.key == key]
    if not chosen:
        raise ValidationError({"metric": [f"Unknown metric '{key[:60]}'."]})
    return chosen


def interval(
    kind: str, figures: dict[str, Any], daily_totals: list[float] | None = None
) -> tuple[float | None, float | None, str | None]:
    """The 95% interval of a period's figure and its method: Wilson for rates; the mean's
    normal interval (mean ± z·s/√n, as the gate computes it) for measured values; for a week
    of a count, the interval of its mean daily total (from the totals of its days with
    samples, as the gate judges counts); none for a day of a count (a total is exact)."""
    if kind == MetricKind.RATE:
        return figures.get("ci_low"), figures.get("ci_high"), "wilson"
    spread: stats.Spread | None = None
    method = "normal_mean"
    if kind == MetricKind.MEASURED and figures.get("std") is not None:
        spread = stats.Spread(count=figures["count"], mean=figures["mean"], std=figures["std"])
    elif kind == MetricKind.COUNT and daily_totals:
        spread, method = stats.spread_of(daily_totals), "normal_daily_mean"
    found = stats.interval_of_mean(spread) if spread is not None else None
    if found is None:
        return None, None, None
    return found[0], found[1], method


def _daily_totals(
    use_case_id: int,
    metrics: list[MetricDefinition],
    *,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
) -> dict[tuple[int, dt.date], list[float]]:
    """Per count metric and week: the totals of its days with samples (fresh, like the rest)."""
    count_ids = [m.pk for m in metrics if m.kind == MetricKind.COUNT]
    totals: dict[tuple[int, dt.date], list[float]] = {}
    if not count_ids:
        return totals
    days = selectors.fresh_rollups(
        [use_case_id],
        period=Period.DAY,
        first=first,
        last=last + dt.timedelta(days=6),
        metric_ids=count_ids,
        now=now,
    )
    for (_, metric_id, day), fig in sorted(days.items()):
        totals.setdefault((metric_id, stats.week_start(day)), []).append(float(fig["sum"] or 0.0))
    return totals


def rollup_rows(
    use_case_id: int,
    metrics: list[MetricDefinition],
    *,
    period: str,
    first: dt.date,
    last: dt.date,
    today: dt.date,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """The figures of each period with samples, by metric key then period start."""
    by_id = {m.pk: m for m in metrics}
    found = selectors.fresh_rollups(
        [use_case_id], period=period, first=first, last=last, metric_ids=list(by_id), now=now
    )
    length = 1 if period == Period.DAY else 7
    weekly_totals = (
        _daily_totals(use_case_id, metrics, first=first, last=last, now=now)
        if period == Period.WEEK
        else {}
    )
    rows = []
    for (_, metric_id, start), fig in found.items():
        metric = by_id[metric_id]
        end = start + dt.timedelta(days=length - 1)
        low, high, method = interval(metric.kind, fig, weekly_totals.get((metric_id, start)))
        rows.append(
            {
                "use_case": use_case_id,
                "metric": metric.key,
                "kind": metric.kind,
                "unit": metric.unit,
                "period": period,
                "period_start": start,
                "period_end": end,
                "partial": end >= today,
                **{name: fig[name] for name in RollupFigureSerializer.FIGURES},
                "sample_size": stats_sample_size(metric.kind, fig),
                "sample_size_of": _SAMPLE_NOUN[metric.kind],
                "ci_low": low,
                "ci_high": high,
                "interval_method": method,
                "computed_at": fig["computed_at"],
            }
        )
    rows.sort(key=lambda r: (r["metric"], r["period_start"]))
    return rows


_SAMPLE_NOUN: dict[str, str] = {
    MetricKind.RATE: "trials",
    MetricKind.MEASURED: "samples",
    MetricKind.COUNT: "days",
}


def stats_sample_size(kind: str, fig: dict[str, Any]) -> float:
    """Trials for rates, samples for measured values, days with samples for counts (the
    scorecards' definition, :func:`metrics.scorecards.sample_size`)."""
    return scorecards.sample_size(kind, count=fig["count"], trials=fig["trials"], days=fig["days"])


USE_CASE_PARAMETER = OpenApiParameter(
    "use_case",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    required=True,
    description="The use case's id (in your organizations, or your token's).",
)


@extend_schema(tags=["metrics"])
class RollupListView(FigureReadView):
    """Daily or weekly figures of a use case's metrics."""

    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        summary="Daily or weekly figures of a use case's metrics",
        description=(
            "One row per metric and day (or ISO week, Monday to Sunday, UTC) that has samples, "
            "ordered by metric key then period. Every figure comes with its **sample size** "
            "(`sample_size`: trials for rates, samples for measured values, days with samples "
            "for counts) and its **95% interval** (`ci_low`, `ci_high`, `interval_method`: "
            "`wilson` for rates; `normal_mean` for measured values, the interval of the mean "
            "as the metric gate computes it, mean ± 1.96·s/√n; `normal_daily_mean` for a week "
            "of a count, the interval of its mean daily total, from its days with samples; "
            "none for a day of a count, whose total is exact).\n\n"
            "Figures are fresh: periods with samples newer than their roll-up are computed "
            "from the raw samples on read. `computed_at` says when each figure was computed; "
            "`partial` is true for today and for the week in progress (figures so far).\n\n"
            f"`from` and `to` are UTC dates, inclusive (default: the last {DEFAULT_DAYS} days, "
            f"or the last {DEFAULT_WEEKS} weeks and the current one). A request covers at most "
            f"**{MAX_DAYS} days** or **{MAX_WEEKS} weeks**; for weeks, `from` counts from its "
            "Monday. Rates are fractions (0.85 means 85%).\n\n"
            "A person's session (any role) or an organization API token."
        ),
        parameters=[
            USE_CASE_PARAMETER,
            OpenApiParameter(
                "metric",
                str,
                description="A metric's key, e.g. `latency_ms`; all metrics when left out.",
            ),
            OpenApiParameter(
                "period", str, enum=["day", "week"], description="`day` (default) or `week`."
            ),
            OpenApiParameter(
                "from",
                {"type": "string", "format": "date"},
                description="First day (UTC), YYYY-MM-DD; not after `to`.",
            ),
            OpenApiParameter(
                "to",
                {"type": "string", "format": "date"},
                description="Last day (UTC), YYYY-MM-DD; default today.",
            ),
        ],
        responses={
            200: RollupFigureSerializer(many=True),
            400: BAD_FILTER,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        examples=ROLLUP_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        # The page's bounds first: a bad limit or offset is answered alone, as on every list.
        paginator.get_limit(request)
        paginator.get_offset(request)
        use_case_id = query_id(request, "use_case")
        if use_case_id is None:
            raise ValidationError({"use_case": ["Required: the use case's id."]})
        period = _period(request)
        now = timezone.now()
        today = now.astimezone(dt.UTC).date()
        first, last = _range(request, period, today)
        use_case = access_use_case_figures(request.user, use_case_id)
        metrics = _metrics(request, use_case.organization_id)
        rows = rollup_rows(
            use_case.pk, metrics, period=period, first=first, last=last, today=today, now=now
        )
        page: list[dict[str, Any]] | None = paginator.paginate_queryset(
            rows,  # type: ignore[arg-type]  # a list pages as well as a queryset
            request,
            view=self,
        )
        return paginator.get_paginated_response(RollupFigureSerializer(page, many=True).data)


@extend_schema(tags=["metrics"])
class ScorecardView(FigureReadView):
    """A use case's scorecard: each metric's latest complete week against its target."""

    lookup_url_kwarg = "use_case"  # checked as an id (400 naming it), like a pk

    @extend_schema(
        summary="A use case's scorecard",
        description=(
            "What the scorecard page shows: per level (system, quality, business) its status, "
            "and per metric its figure for the last complete ISO week (UTC), the `statistic` "
            "it reports (`rate`; `daily_average` for counts; `p50` or `p95` for measured "
            "values, as the organization chose), its sample size, its 95% interval (rates "
            "only: a percentile has none here), target, warning threshold, baseline and "
            "status, with `computed_at`.\n\n"
            "Figures are fresh (periods behind their samples are recomputed on read); "
            "`computed_at` is when the newest of them was computed. `partial_days` lists the "
            "days of the trend still in progress (today), and `week_in_progress` the Monday "
            "of the current week: the scorecard judges complete weeks only.\n\n"
            "A person's session (any role) or an organization API token."
        ),
        parameters=[
            OpenApiParameter(
                "use_case",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                location=OpenApiParameter.PATH,
                description="The use case's id.",
            )
        ],
        responses={200: ScorecardSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[SCORECARD_EXAMPLE],
    )
    def get(self, request: Request, use_case: str) -> Response:
        found = access_use_case_figures(request.user, use_case)
        card = selectors.use_case_scorecard(found)
        return Response(ScorecardSerializer(scorecard_body(found.pk, card)).data)


def scorecard_body(use_case_id: int, card: selectors.UseCaseScorecard) -> dict[str, Any]:
    levels = []
    for group in card.levels:
        lines = []
        for line in group.lines:
            metric = line.metric
            lines.append(
                {
                    "metric": metric.key,
                    "name": metric.name,
                    "kind": metric.kind,
                    "unit": line.unit,
                    "direction": metric.direction,
                    "statistic": _statistic(metric.kind, card.statistic),
                    "statistic_label": line.statistic_label,
                    "value": line.value,
                    "week_start": line.period_start,
                    "stale": line.stale,
                    "sample_size": line.samples if line.period_start else 0,
                    "sample_size_of": _SAMPLE_NOUN.get(metric.kind, "samples"),
                    "ci_low": line.ci_low,
                    "ci_high": line.ci_high,
                    "target": line.target,
                    "warning": line.warning,
                    "baseline": line.baseline,
                    "status": line.status.value,
                    "computed_at": line.computed_at,
                }
            )
        levels.append(
            {
                "level": group.level,
                "status": group.status.value,
                "with_target": group.targeted,
                "on_target": group.on_target,
                "metrics": lines,
            }
        )
    return {
        "use_case": use_case_id,
        "week_start": card.week,
        "week_end": card.week + dt.timedelta(days=6),
        "statistic": card.statistic,
        "computed_at": card.computed_at,
        "partial_days": [card.today],
        "week_in_progress": stats.week_start(card.today),
        "levels": levels,
    }


def _statistic(kind: str, measured: str) -> str:
    if kind == MetricKind.RATE:
        return "rate"
    if kind == MetricKind.COUNT:
        return "daily_average"
    return measured
