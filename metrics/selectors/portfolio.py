"""Reads of the portfolio scorecard: the filtered, sorted page of use cases with their levels,
and the portfolio's weekly trend. Fixed query counts, whatever the number of use cases."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.urls import reverse

from metrics import scorecards
from metrics.models import DirtyPeriod, MetricDefinition, MetricTarget, Period, Rollup
from metrics.scorecards import Status
from metrics.selectors.fresh import marked_scope
from metrics.selectors.scorecards import min_days, min_samples, scorecards_for, today_utc
from readiness.models import Organization, UseCase, UseCaseStatus

# Use cases per portfolio page: like the executive dashboard, 25 rows keep the page's own work
# (one roll-up query plus rendering) small enough for many executives at once on two cores.
PAGE_SIZE = 25

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
    # When the newest figure of the row was computed (None: no figures).
    computed_at: dt.datetime | None = None


def portfolio_use_cases(
    organization: Organization, *, sort: str = DEFAULT_SORT, page: Any = 1, **filters: str
) -> Page[UseCase]:
    """The page of use cases (filtered, sorted) the portfolio scorecard shows: two queries
    (the count, the page). Their rows come from :func:`portfolio_rows`."""
    qs = portfolio_queryset(organization, **filters).order_by(*ordering(sort))
    return Paginator(qs, PAGE_SIZE).get_page(page)


def portfolio_rows(
    organization: Organization, use_cases: list[UseCase], *, today: dt.date | None = None
) -> list[PortfolioRow]:
    """The rows of these use cases (one page): their levels, from their scorecards (metrics,
    targets, latest roll-ups: the same number of queries at 10 use cases as at 10,000)."""
    cards = scorecards_for(use_cases, today=today, targeted_only=True)
    # Every use case's URL differs only by its id: reverse once, not once per row.
    url = reverse("scorecard_use_case", kwargs={"org": organization.slug, "pk": 0})
    head, tail = url.rsplit("/0/", 1)
    return [
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
            computed_at=max(
                (line.computed_at for g in cards[uc.pk] for line in g.lines if line.computed_at),
                default=None,
            ),
        )
        for uc in use_cases
    ]


def figures_state(use_case_ids: Sequence[int], *, today: dt.date) -> str | None:
    """What the rows of these use cases are judged from, beyond the audited content (their
    targets, the metrics, the organization's statistic: see
    :func:`readiness.selectors.state.content_state`), in one line: their weekly roll-ups of
    the scorecards' window (how many, the sum of their ids, computed when last) and the day.
    None while any of those weeks is marked as behind its samples: its figures are then
    recomputed on each read (:mod:`.fresh`), and such a page is not shared. Two queries.

    Why this names every change of those figures: the roll-up job rewrites a week only after
    a batch marked it, and removes the mark in the same transaction; a week it rewrites gets
    a ``computed_at`` later than any before it, and one it removes leaves the count and the
    sum of ids. While a week is marked the state is None, so no page is shared for a state
    that a pending roll-up is about to change.
    """
    first = scorecards.window_start(today)
    last = scorecards.last_complete_week(today)
    scope = marked_scope(use_case_ids, period=Period.WEEK, first=first, last=last)
    if DirtyPeriod.objects.filter(scope).exists():
        return None
    facts = Rollup.objects.filter(scope).aggregate(
        n=Count("pk"), ids=Sum("pk"), last=Max("computed_at")
    )
    computed = facts["last"].isoformat() if facts["last"] else "-"
    return f"{today.isoformat()}:{facts['n']}:{facts['ids'] or 0}:{computed}"


def teams(organization: Organization) -> list[str]:
    return list(
        UseCase.objects.filter(organization=organization)
        .order_by("team")
        .values_list("team", flat=True)
        .distinct()
    )


# The portfolio's trend: every targeted metric of every (filtered) use case, week by week


# The status of one weekly roll-up against its target, in SQL, on the columns of the inner
# query below (v: the headline figure, n: the sample size). It must agree with
# metrics.scorecards.status: the tests compare the two on the same figures.
# Measured values: the organization's statistic (a parameter, p50 or p95).
_VALUE = (
    "CASE m.kind WHEN 'rate' THEN r.rate WHEN 'count' THEN r.sum / 7.0"
    " ELSE (CASE WHEN %s = 'p95' THEN r.p95 ELSE r.p50 END) END"
)
# Counts are judged on their daily totals: their sample size is the days with samples.
_SAMPLES = (
    "CASE m.kind WHEN 'rate' THEN COALESCE(r.trials, 0) WHEN 'count' THEN r.days ELSE r.count END"
)
_NEED = "CASE m.kind WHEN 'count' THEN %s ELSE %s END"
_STATUS_SQL = """
CASE
  WHEN v IS NULL OR n < need THEN 'no_data'
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
            SELECT r.period_start, m.level, {_VALUE} AS v, {_SAMPLES} AS n, {_NEED} AS need,
                   t.target, t.warning, m.direction = 'higher' AS higher
            FROM {rollup} r
            JOIN {target} t ON t.use_case_id = r.use_case_id AND t.metric_id = r.metric_id
            JOIN {definition} m ON m.id = r.metric_id
            WHERE r.period = %s AND r.period_start >= %s AND r.period_start <= %s
              AND t.target IS NOT NULL AND r.use_case_id IN ({ids_sql})
        ) judged
        GROUP BY period_start, level, status
    """  # noqa: S608
    statistic = organization.measured_statistic
    params = [statistic, min_days(), min_samples(), Period.WEEK, first, last, *ids_params]
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
