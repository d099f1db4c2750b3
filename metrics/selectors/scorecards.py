"""Reads that feed the scorecards: the lines of one use case or many, from fresh figures
(roll-ups, with the periods that have newer samples recomputed on read: :mod:`.fresh`).

Every function runs a fixed number of queries whatever the number of use cases or metrics:
the latest weekly figures of many use cases come from one window-function query (row number
per use case and metric, newest week first), which PostgreSQL and SQLite both run, plus one
for the marked periods (and one to recompute them when there are any). Nothing here checks
permissions: callers pass objects they got through the access layer.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from metrics import scorecards
from metrics.models import (
    Direction,
    Level,
    MetricDefinition,
    MetricTarget,
    Period,
    Rollup,
)
from metrics.scorecards import Change, Status
from metrics.selectors.catalog import LEVEL_LABELS, by_level
from metrics.selectors.fresh import marked_scope, recomputed_marked
from readiness.models import MeasuredStatistic, Organization, UseCase

# The roll-up columns a scorecard line reads.
_FIGURES = (
    "count",
    "days",
    "sum",
    "p50",
    "p95",
    "rate",
    "successes",
    "trials",
    "ci_low",
    "ci_high",
    "computed_at",
)


def min_samples() -> int:
    return int(getattr(settings, "METRICS_SCORECARD_MIN_SAMPLES", scorecards.DEFAULT_MIN_SAMPLES))


def min_days() -> int:
    """Days with samples a count needs in the week judged (its daily totals, not reports)."""
    return int(getattr(settings, "METRICS_SCORECARD_MIN_DAYS", scorecards.DEFAULT_MIN_DAYS))


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
    statistic: str = MeasuredStatistic.P50  # the organization's choice for measured values
    computed_at: dt.datetime | None = None  # when the figure was computed
    daily: list[tuple[dt.date, float | None]] = field(default_factory=list)  # the trend, if read

    @property
    def higher_is_better(self) -> bool:
        return self.metric.direction == Direction.HIGHER

    @property
    def unit(self) -> str:
        return scorecards.unit_label(self.metric.kind, self.metric.unit)

    @property
    def statistic_label(self) -> str:
        """What the figure is: the rate, the daily average, the median or the p95."""
        return scorecards.statistic_label(self.metric.kind, self.statistic)

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

    def scaled(self, value: float | None) -> float | None:
        """A figure as a number in the unit the pages show (rates in percent), for the charts
        and the exports."""
        if value is None or not math.isfinite(value):
            return None  # JSON has no infinity: a chart gap rather than a broken page
        return round(100 * value, 6) if self.metric.kind == "rate" else round(value, 6)

    def short(self, value: float | None) -> str:
        """Without the unit, for tables that state it once (rates keep their percent sign)."""
        return scorecards.format_value(self.metric.kind, self.metric.unit, value, with_unit=False)

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
        return scorecards.format_change(
            self.metric.kind, self.metric.unit, self.change, with_unit=False
        )

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
    """The newest complete-week figures per use case and metric within the trend window.

    One query for the stored roll-ups: the weekly roll-ups of these use cases in the window,
    numbered per (use case, metric) newest first, keeping number 1 (at most use cases x
    metrics x 13 weeks rows read). Then the weeks of the window marked as behind their samples
    are recomputed (:mod:`.fresh`) and win over older or stale stored ones.
    """
    if not use_case_ids:
        return {}
    first = scorecards.window_start(today)
    last = scorecards.last_complete_week(today)
    rows = (
        Rollup.objects.filter(
            use_case_id__in=use_case_ids,
            period=Period.WEEK,
            period_start__gte=first,
            period_start__lte=last,
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
    latest = {(r["use_case_id"], r["metric_id"]): r for r in rows}
    scope = marked_scope(use_case_ids, period=Period.WEEK, first=first, last=last)
    for (uc, metric, start), new in sorted(recomputed_marked(scope, Period.WEEK).items()):
        current = latest.get((uc, metric))
        if new is not None and (current is None or current["period_start"] <= start):
            latest[(uc, metric)] = new
        # A week whose samples are all gone (new is None) keeps whatever was stored.
    return latest


def make_line(
    metric: MetricDefinition,
    target: MetricTarget | None,
    figures: dict[str, Any] | None,
    *,
    week: dt.date,
    minimum: int,
    statistic: str = MeasuredStatistic.P50,
) -> Line:
    """A scorecard line from a metric, its target (if any) and its latest weekly figures;
    ``statistic`` is the organization's figure for measured values (p50 or p95)."""
    line = Line(metric=metric, statistic=statistic)
    if target is not None:
        line.target, line.warning, line.baseline = target.target, target.warning, target.baseline
    if figures is not None:
        line.period_start = figures["period_start"]
        line.stale = line.period_start is not None and line.period_start < week
        line.computed_at = figures.get("computed_at")
        line.value = scorecards.headline(
            metric.kind,
            rate=figures["rate"],
            p50=figures["p50"],
            p95=figures.get("p95"),
            total=figures["sum"],
            period_days=7,
            statistic=statistic,
        )
        line.samples = scorecards.sample_size(
            metric.kind, count=figures["count"], trials=figures["trials"], days=figures["days"]
        )
        if metric.kind == "rate":
            line.ci_low, line.ci_high = figures["ci_low"], figures["ci_high"]
    line.status = scorecards.status(
        line.value,
        target=line.target,
        warning=line.warning,
        higher_is_better=line.higher_is_better,
        sample_size=line.samples,
        min_samples=min_days() if metric.kind == "count" else minimum,
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


def statistics_of(use_cases: Sequence[UseCase]) -> dict[int, str]:
    """Each organization's statistic for measured values, by organization id: from the use
    cases' organizations when loaded with them, else in one query."""
    found: dict[int, str] = {}
    for uc in use_cases:
        if UseCase.organization.is_cached(uc):
            found[uc.organization_id] = uc.organization.measured_statistic
    missing = {uc.organization_id for uc in use_cases} - set(found)
    if missing:
        found.update(
            Organization.objects.filter(pk__in=missing)
            .values_list("pk", "measured_statistic")
            .order_by()
        )
    return found


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
    all_metrics = by_level(MetricDefinition.objects.visible_to_any(org_ids))
    targets = targets_by_key(ids)
    latest = latest_weekly(ids, today=today)
    week = scorecards.last_complete_week(today)
    minimum = min_samples()
    statistics = statistics_of(use_cases)
    result: dict[int, list[LevelGroup]] = {}
    for uc in use_cases:
        lines = [
            make_line(
                m,
                targets.get((uc.pk, m.pk)),
                latest.get((uc.pk, m.pk)),
                week=week,
                minimum=minimum,
                statistic=statistics.get(uc.organization_id, MeasuredStatistic.P50),
            )
            for m in all_metrics
            if m.organization_id in (None, uc.organization_id)
            and (not targeted_only or (uc.pk, m.pk) in targets)
        ]
        result[uc.pk] = group_lines(lines)
    return result
