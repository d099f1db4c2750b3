"""Reads that feed the scorecards: a use case's scorecard and the portfolio's, from roll-ups only.

Every function runs a fixed number of queries whatever the number of use cases or metrics:
the latest weekly figures of many use cases come from one window-function query (row number
per use case and metric, newest week first), which PostgreSQL and SQLite both run. Nothing here
checks permissions: callers pass objects they got through the access layer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from metrics import scorecards
from metrics.models import Direction, Level, MetricDefinition, MetricTarget, Period, Rollup
from metrics.scorecards import Change, Status
from readiness.models import Organization, UseCase, UseCaseStatus

# Use cases per portfolio page: like the executive dashboard, 25 rows keep the page's own work
# (one roll-up query plus rendering) small enough for many executives at once on two cores.
PAGE_SIZE = 25
LEVEL_ORDER = {value: i for i, (value, _) in enumerate(Level.choices)}
LEVEL_LABELS = dict(Level.choices)

# The roll-up columns a scorecard line reads.
_FIGURES = ("count", "sum", "p50", "rate", "successes", "trials", "ci_low", "ci_high")

_STATUS_ORDER = Case(
    *[When(status=value, then=Value(i)) for i, value in enumerate(UseCaseStatus.values)],
    default=Value(len(UseCaseStatus.values)),
    output_field=IntegerField(),
)
# Sort key (as in ?sort=) -> ordering; a leading "-" reverses the first field only.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "team": ("team", "name"),
    "status": ("status_order", "name"),
}
DEFAULT_SORT = "name"


def min_samples() -> int:
    return int(getattr(settings, "METRICS_SCORECARD_MIN_SAMPLES", scorecards.DEFAULT_MIN_SAMPLES))


def today_utc() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


@dataclass
class Line:
    """One metric of one use case on the scorecard: its latest complete week against target."""

    metric: MetricDefinition
    target: float | None = None
    warning: float | None = None
    baseline: float | None = None
    period_start: dt.date | None = None
    value: float | None = None
    samples: float = 0.0
    ci_low: float | None = None
    ci_high: float | None = None
    status: Status = Status.NO_TARGET
    change: Change | None = None
    stale: bool = False  # the latest figure is older than the last complete week
    daily: list[tuple[dt.date, float | None]] = field(default_factory=list)  # the trend, if read

    @property
    def higher_is_better(self) -> bool:
        return self.metric.direction == Direction.HIGHER

    @property
    def unit(self) -> str:
        return scorecards.unit_label(self.metric.kind, self.metric.unit)

    def fmt(self, value: float | None) -> str:
        return scorecards.format_value(self.metric.kind, self.metric.unit, value)

    @property
    def value_text(self) -> str:
        return self.fmt(self.value)

    @property
    def target_text(self) -> str:
        return self.fmt(self.target)

    @property
    def warning_text(self) -> str:
        return self.fmt(self.warning)

    @property
    def baseline_text(self) -> str:
        return self.fmt(self.baseline)

    @property
    def change_text(self) -> str:
        return scorecards.format_change(self.metric.kind, self.metric.unit, self.change)

    def short(self, value: float | None) -> str:
        """Without the unit, for tables that state it once (rates keep their percent sign)."""
        kind = "rate" if self.metric.kind == "rate" else "measured"
        return scorecards.format_value(kind, "", value)

    @property
    def value_short(self) -> str:
        return self.short(self.value)

    @property
    def target_short(self) -> str:
        return self.short(self.target)

    @property
    def warning_short(self) -> str:
        return self.short(self.warning)

    @property
    def baseline_short(self) -> str:
        return self.short(self.baseline)

    @property
    def change_short(self) -> str:
        kind = "rate" if self.metric.kind == "rate" else "measured"
        return scorecards.format_change(kind, "", self.change)

    @property
    def interval_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{self.fmt(self.ci_low)} to {self.fmt(self.ci_high)}"

    @property
    def badge(self) -> str:
        return scorecards.BADGE[self.status]

    @property
    def daily_rows(self) -> list[tuple[dt.date, str]]:
        return [(day, self.fmt(value)) for day, value in self.daily]


@dataclass
class LevelGroup:
    """A level's lines. Its figures are computed once, when first read: fill ``lines`` first."""

    level: str
    lines: list[Line] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level.title())

    @cached_property
    def status(self) -> Status:
        return scorecards.level_status(line.status for line in self.lines)

    @cached_property
    def badge(self) -> str:
        return scorecards.BADGE[self.status]

    @cached_property
    def targeted(self) -> int:
        return sum(1 for line in self.lines if line.target is not None)

    @cached_property
    def on_target(self) -> int:
        return sum(1 for line in self.lines if line.status == Status.ON_TARGET)


# Building blocks


def visible_metrics(organization_id: int) -> list[MetricDefinition]:
    """The built-in metrics and the organization's own, by level then name."""
    metrics = MetricDefinition.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id)
    )
    return sorted(metrics, key=lambda m: (LEVEL_ORDER.get(m.level, 9), m.name.lower()))


def targets_by_key(use_case_ids: Sequence[int]) -> dict[tuple[int, int], MetricTarget]:
    return {
        (t.use_case_id, t.metric_id): t
        # No ordering: the model's default would join use cases and metrics to sort by them.
        for t in MetricTarget.objects.filter(use_case_id__in=use_case_ids)
        .only("use_case_id", "metric_id", "target", "warning", "baseline")
        .order_by()
    }


def latest_weekly(
    use_case_ids: Sequence[int], *, today: dt.date
) -> dict[tuple[int, int], dict[str, Any]]:
    """The newest complete-week roll-up per use case and metric within the trend window.

    One query: the weekly roll-ups of these use cases in the window, numbered per (use case,
    metric) newest first, keeping number 1. Bounded by the window, so the rows read are at most
    use cases x metrics x 13 weeks.
    """
    if not use_case_ids:
        return {}
    rows = (
        Rollup.objects.filter(
            use_case_id__in=use_case_ids,
            period=Period.WEEK,
            period_start__gte=scorecards.window_start(today),
            period_start__lte=scorecards.last_complete_week(today),
        )
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("use_case_id"), F("metric_id")],
                order_by=F("period_start").desc(),
            )
        )
        .filter(row=1)
        .values("use_case_id", "metric_id", "period_start", *_FIGURES)
        # No ordering: the model's default sorts by the use case's and the metric's own
        # orderings, which joins both tables for nothing.
        .order_by()
    )
    return {(r["use_case_id"], r["metric_id"]): r for r in rows}


def make_line(
    metric: MetricDefinition,
    target: MetricTarget | None,
    figures: dict[str, Any] | None,
    *,
    week: dt.date,
    minimum: int,
) -> Line:
    """A scorecard line from a metric, its target (if any) and its latest weekly figures."""
    line = Line(metric=metric)
    if target is not None:
        line.target, line.warning, line.baseline = target.target, target.warning, target.baseline
    if figures is not None:
        line.period_start = figures["period_start"]
        line.stale = line.period_start is not None and line.period_start < week
        line.value = scorecards.headline(
            metric.kind,
            rate=figures["rate"],
            p50=figures["p50"],
            total=figures["sum"],
            period_days=7,
        )
        line.samples = scorecards.sample_size(
            metric.kind, count=figures["count"], trials=figures["trials"]
        )
        if metric.kind == "rate":
            line.ci_low, line.ci_high = figures["ci_low"], figures["ci_high"]
    line.status = scorecards.status(
        line.value,
        target=line.target,
        warning=line.warning,
        higher_is_better=line.higher_is_better,
        sample_size=line.samples,
        min_samples=minimum,
    )
    line.change = scorecards.change_since_baseline(
        line.value, line.baseline, higher_is_better=line.higher_is_better
    )
    return line


def group_lines(lines: Iterable[Line]) -> list[LevelGroup]:
    """Lines grouped by level, always the three levels in order (empty ones included)."""
    groups = {level: LevelGroup(level=level) for level, _ in Level.choices}
    for line in lines:
        groups.setdefault(line.metric.level, LevelGroup(level=line.metric.level)).lines.append(line)
    return list(groups.values())


def scorecards_for(
    use_cases: Sequence[UseCase], *, today: dt.date | None = None, targeted_only: bool = False
) -> dict[int, list[LevelGroup]]:
    """Each use case's scorecard (levels of lines), in three queries whatever their number.

    Use cases of several organizations may be mixed; each sees the built-in metrics and its
    organization's own. ``targeted_only`` leaves out the lines of metrics without a target:
    enough for the levels' statuses and counts, and cheaper on a page of many use cases.
    """
    today = today or today_utc()
    if not use_cases:
        return {}
    ids = [uc.pk for uc in use_cases]
    org_ids = {uc.organization_id for uc in use_cases}
    all_metrics = sorted(
        MetricDefinition.objects.filter(
            Q(organization__isnull=True) | Q(organization_id__in=org_ids)
        ),
        key=lambda m: (LEVEL_ORDER.get(m.level, 9), m.name.lower()),
    )
    targets = targets_by_key(ids)
    latest = latest_weekly(ids, today=today)
    week = scorecards.last_complete_week(today)
    minimum = min_samples()
    result: dict[int, list[LevelGroup]] = {}
    for uc in use_cases:
        lines = [
            make_line(
                m,
                targets.get((uc.pk, m.pk)),
                latest.get((uc.pk, m.pk)),
                week=week,
                minimum=minimum,
            )
            for m in all_metrics
            if m.organization_id in (None, uc.organization_id)
            and (not targeted_only or (uc.pk, m.pk) in targets)
        ]
        result[uc.pk] = group_lines(lines)
    return result


# The portfolio


def portfolio_queryset(
    organization: Organization, *, team: str = "", status: str = "", q: str = ""
) -> QuerySet[UseCase]:
    qs = UseCase.objects.filter(organization=organization).annotate(status_order=_STATUS_ORDER)
    if team:
        qs = qs.filter(team=team)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(team__icontains=q))
    return qs


def ordering(sort: str) -> list[str]:
    key = sort.removeprefix("-")
    fields = SORTS.get(key) or SORTS[DEFAULT_SORT]
    if sort.startswith("-") and key in SORTS:
        return [f"-{fields[0]}", *fields[1:], "pk"]
    return [*fields, "pk"]


@dataclass
class PortfolioRow:
    """A use case of the portfolio page, with what its row shows precomputed: the page renders
    50 of them, and plain dictionaries are the template language's fastest lookups."""

    use_case: UseCase
    url: str
    levels: list[dict[str, Any]]


def portfolio_page(
    organization: Organization,
    *,
    sort: str = DEFAULT_SORT,
    page: Any = 1,
    today: dt.date | None = None,
    **filters: str,
) -> tuple[Page[UseCase], list[PortfolioRow]]:
    """One page of the portfolio scorecard: the use cases (filtered, sorted) and their levels.

    Queries: the count, the page, then the scorecards of the page's use cases only (metrics,
    targets, latest roll-ups): the same number at 10 use cases as at 10,000.
    """
    qs = portfolio_queryset(organization, **filters).order_by(*ordering(sort))
    paginated = Paginator(qs, PAGE_SIZE).get_page(page)
    use_cases = list(paginated.object_list)
    cards = scorecards_for(use_cases, today=today, targeted_only=True)
    # Every use case's URL differs only by its id: reverse once, not once per row.
    url = reverse("scorecard_use_case", kwargs={"org": organization.slug, "pk": 0})
    head, tail = url.rsplit("/0/", 1)
    rows = [
        PortfolioRow(
            use_case=uc,
            url=f"{head}/{uc.pk}/{tail}",
            levels=[
                {
                    "label": g.label,
                    "status": g.status.label,
                    "badge": g.badge,
                    "on_target": g.on_target,
                    "targeted": g.targeted,
                }
                for g in cards[uc.pk]
            ],
        )
        for uc in use_cases
    ]
    return paginated, rows


def teams(organization: Organization) -> list[str]:
    return list(
        UseCase.objects.filter(organization=organization)
        .order_by("team")
        .values_list("team", flat=True)
        .distinct()
    )


# One use case, with its trend


@dataclass
class UseCaseScorecard:
    week: dt.date
    window_start: dt.date
    today: dt.date
    levels: list[LevelGroup]
    # Per metric id: the daily series for the chart and the weekly rows for the table.
    daily: dict[int, list[tuple[dt.date, float | None]]]
    weekly: dict[int, list[tuple[dt.date, float | None, float]]]

    @property
    def lines(self) -> list[Line]:
        return [line for group in self.levels for line in group.lines]

    def chart_data(self) -> dict[str, Any]:
        """What static/js/scorecard.js draws: per metric, daily points and the reference lines.

        Rates are sent in percent, as the page shows them.
        """
        charts: dict[str, Any] = {}
        for line in self.lines:
            scale = 100.0 if line.metric.kind == "rate" else 1.0

            def scaled(v: float | None, scale: float = scale) -> float | None:
                return None if v is None else round(v * scale, 6)

            charts[str(line.metric.pk)] = {
                "name": line.metric.name,
                "unit": line.unit,
                "labels": [d.isoformat() for d, _ in self.daily.get(line.metric.pk, [])],
                "values": [scaled(v) for _, v in self.daily.get(line.metric.pk, [])],
                "target": scaled(line.target),
                "warning": scaled(line.warning),
                "baseline": scaled(line.baseline),
            }
        return charts


def use_case_scorecard(use_case: UseCase, *, today: dt.date | None = None) -> UseCaseScorecard:
    """The scorecard of one use case with 90 days of daily and weekly figures; four queries."""
    today = today or today_utc()
    first = scorecards.window_start(today)
    week = scorecards.last_complete_week(today)
    metrics = visible_metrics(use_case.organization_id)
    kinds = {m.pk: m.kind for m in metrics}
    targets = targets_by_key([use_case.pk])
    daily: dict[int, list[tuple[dt.date, float | None]]] = defaultdict(list)
    weekly: dict[int, list[tuple[dt.date, float | None, float]]] = defaultdict(list)
    latest: dict[int, dict[str, Any]] = {}
    rows = (
        Rollup.objects.filter(
            use_case=use_case,
            period_start__gte=first - dt.timedelta(days=6),  # the week holding the first day
            period_start__lte=today,
        )
        .order_by("metric_id", "period", "period_start")
        .values("metric_id", "period", "period_start", *_FIGURES)
    )
    for r in rows:
        kind = kinds.get(r["metric_id"])
        if kind is None:
            continue
        if r["period"] == Period.DAY:
            if r["period_start"] < first:
                continue
            value = scorecards.headline(
                kind, rate=r["rate"], p50=r["p50"], total=r["sum"], period_days=1
            )
            daily[r["metric_id"]].append((r["period_start"], value))
            continue
        days = 7 if r["period_start"] <= week else (today - r["period_start"]).days + 1
        value = scorecards.headline(
            kind, rate=r["rate"], p50=r["p50"], total=r["sum"], period_days=days
        )
        samples = scorecards.sample_size(kind, count=r["count"], trials=r["trials"])
        weekly[r["metric_id"]].append((r["period_start"], value, samples))
        if first <= r["period_start"] <= week:  # as latest_weekly chooses
            latest[r["metric_id"]] = r  # rows come oldest first: the last one wins
    minimum = min_samples()
    lines = [
        make_line(m, targets.get((use_case.pk, m.pk)), latest.get(m.pk), week=week, minimum=minimum)
        for m in metrics
    ]
    for line in lines:
        line.daily = daily.get(line.metric.pk, [])
    return UseCaseScorecard(
        week=week,
        window_start=first,
        today=today,
        levels=group_lines(lines),
        daily=dict(daily),
        weekly=dict(weekly),
    )


# The portfolio's trend: every targeted metric of every (filtered) use case, week by week


# The status of one weekly roll-up against its target, in SQL, on the columns of the inner
# query below (v: the headline figure, n: the sample size). It must agree with
# metrics.scorecards.status: the tests compare the two on the same figures.
_VALUE = "CASE m.kind WHEN 'rate' THEN r.rate WHEN 'count' THEN r.sum / 7.0 ELSE r.p50 END"
_SAMPLES = "CASE m.kind WHEN 'rate' THEN COALESCE(r.trials, 0) ELSE r.count END"
_STATUS_SQL = """
CASE
  WHEN v IS NULL OR n < %s THEN 'no_data'
  WHEN (higher AND v >= target) OR (NOT higher AND v <= target) THEN 'on_target'
  WHEN warning IS NOT NULL AND (
       (higher AND warning <= target AND v >= warning)
    OR (NOT higher AND warning >= target AND v <= warning)) THEN 'at_risk'
  ELSE 'off_target'
END"""


@dataclass
class PortfolioTrend:
    """Per level and complete week: how many (use case, metric) pairs with a target were on
    target, at risk, off target or short of data; ``missing`` pairs had no figures at all."""

    weeks: list[dt.date]
    # level -> week -> status value -> count
    counts: dict[str, dict[dt.date, dict[str, int]]]
    targeted: dict[str, int]  # level -> (use case, metric) pairs with a target

    def latest(self, level: str) -> dict[str, int]:
        """The last complete week's counts of a level, with ``missing`` filled in."""
        week = self.weeks[-1] if self.weeks else None
        found = dict(self.counts.get(level, {}).get(week, {})) if week else {}
        found["missing"] = max(0, self.targeted.get(level, 0) - sum(found.values()))
        return found

    def share_on_target(self, level: str) -> list[float | None]:
        """Per week: on target over every targeted pair (missing figures count against)."""
        total = self.targeted.get(level, 0)
        by_week = self.counts.get(level, {})
        return [
            round(100 * by_week.get(w, {}).get(Status.ON_TARGET, 0) / total, 1) if total else None
            for w in self.weeks
        ]


def portfolio_trend(
    organization: Organization, *, today: dt.date | None = None, **filters: str
) -> PortfolioTrend:
    """Two aggregate queries over the weekly roll-ups and targets of the filtered use cases.

    The work grows with use cases x targeted metrics x 13 weeks, in the database (no Python
    loop over use cases): the portfolio page loads it separately, after its table.
    """
    today = today or today_utc()
    first = scorecards.window_start(today)
    last = scorecards.last_complete_week(today)
    weeks = [last - dt.timedelta(weeks=n) for n in range(12, -1, -1)]
    weeks = [w for w in weeks if w >= first]
    ids_sql, ids_params = (
        portfolio_queryset(organization, **filters).values("pk").order_by().query.sql_with_params()
    )
    rollup, target, definition = (
        Rollup._meta.db_table,
        MetricTarget._meta.db_table,
        MetricDefinition._meta.db_table,
    )
    # Only table names, the constant status expression and Django's own SQL for the use case
    # filter are interpolated; every value is a parameter.
    sql = f"""
        SELECT period_start, level, {_STATUS_SQL} AS status, COUNT(*)
        FROM (
            SELECT r.period_start, m.level, {_VALUE} AS v, {_SAMPLES} AS n,
                   t.target, t.warning, m.direction = 'higher' AS higher
            FROM {rollup} r
            JOIN {target} t ON t.use_case_id = r.use_case_id AND t.metric_id = r.metric_id
            JOIN {definition} m ON m.id = r.metric_id
            WHERE r.period = %s AND r.period_start >= %s AND r.period_start <= %s
              AND t.target IS NOT NULL AND r.use_case_id IN ({ids_sql})
        ) judged
        GROUP BY period_start, level, status
    """  # noqa: S608
    params = [min_samples(), Period.WEEK, first, last, *ids_params]
    counts: dict[str, dict[dt.date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for start, level, status, n in cursor.fetchall():
            if isinstance(start, str):  # SQLite hands dates back as text here
                start = dt.date.fromisoformat(start)
            counts[level][start][status] = int(n)
    targeted = dict(
        MetricTarget.objects.filter(
            use_case_id__in=portfolio_queryset(organization, **filters).values("pk"),
            target__isnull=False,
        )
        .values_list("metric__level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return PortfolioTrend(
        weeks=weeks,
        counts={level: dict(by_week) for level, by_week in counts.items()},
        targeted=targeted,
    )
