"""The scorecard of one use case: every metric's line (see :mod:`.scorecards`), with 90 days
of daily and weekly figures for its trend, when they were computed, and which are partial."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from metrics import scorecards
from metrics.models import Period, RollupFailure
from metrics.selectors.catalog import visible_metrics
from metrics.selectors.fresh import fresh_rollups
from metrics.selectors.scorecards import (
    LevelGroup,
    Line,
    group_lines,
    make_line,
    min_samples,
    targets_by_key,
)
from readiness.models import MeasuredStatistic, UseCase

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
    # When the newest of its figures was computed (None: no figures), and when it was read.
    computed_at: dt.datetime | None = None
    now: dt.datetime | None = None
    statistic: str = MeasuredStatistic.P50

    @property
    def lines(self) -> list[Line]:
        return [line for group in self.levels for line in group.lines]

    @property
    def computed_text(self) -> str:
        """E.g. ``computed at 14:05 UTC, 2 min ago``; empty without figures."""
        if self.computed_at is None:
            return ""
        return scorecards.computed_text(self.computed_at, now=self.now or timezone.now())

    @property
    def statistic_label(self) -> str:
        return scorecards.statistic_label("measured", self.statistic)

    def is_partial(self, period: str, start: dt.date) -> bool:
        """Today, or the week in progress: figures so far, not a whole period's."""
        if period == Period.DAY:
            return start >= self.today
        return start > self.week

    @property
    def has_figures(self) -> bool:
        """Any figure at all in the 90 days: a weekly roll-up or a day with a value."""
        return any(line.period_start for line in self.lines) or any(
            value is not None for points in self.daily.values() for _, value in points
        )

    @property
    def targets_set(self) -> int:
        return sum(1 for line in self.lines if line.target is not None)

    def chart_data(self) -> dict[str, Any]:
        """What static/js/scorecard.js draws: per metric, daily points and the reference lines.

        Rates are sent in percent, as the page shows them.
        """
        charts: dict[str, Any] = {}
        for line in self.lines:
            points = self.daily.get(line.metric.pk, [])
            charts[str(line.metric.pk)] = {
                "name": line.metric.name,
                "unit": line.unit,
                "labels": [d.isoformat() for d, _ in points],
                "values": [line.scaled(v) for _, v in points],
                "target": line.scaled(line.target),
                "warning": line.scaled(line.warning),
                "baseline": line.scaled(line.baseline),
            }
        return charts


def use_case_scorecard(
    use_case: UseCase, *, today: dt.date | None = None, now: dt.datetime | None = None
) -> UseCaseScorecard:
    """The scorecard of one use case with 90 days of daily and weekly figures (fresh: the
    periods behind their samples recomputed on read); six queries, seven with a recompute."""
    now = now or timezone.now()
    today = today or now.astimezone(dt.UTC).date()
    first = scorecards.window_start(today)
    week = scorecards.last_complete_week(today)
    metrics = visible_metrics(use_case.organization_id)
    kinds = {m.pk: m.kind for m in metrics}
    statistic = use_case.organization.measured_statistic
    targets = targets_by_key([use_case.pk])
    daily: dict[int, list[tuple[dt.date, float | None]]] = defaultdict(list)
    weekly: dict[int, list[tuple[dt.date, float | None, float]]] = defaultdict(list)
    latest: dict[int, dict[str, Any]] = {}
    computed: list[dt.datetime] = []
    for period, since in ((Period.DAY, first), (Period.WEEK, first - dt.timedelta(days=6))):
        found = fresh_rollups([use_case.pk], period=period, first=since, last=today, now=now)
        for (_, metric_id, start), r in sorted(found.items()):
            kind = kinds.get(metric_id)
            if kind is None:
                continue
            computed.append(r["computed_at"])
            if period == Period.DAY:
                value = scorecards.headline(
                    kind,
                    rate=r["rate"],
                    p50=r["p50"],
                    p95=r["p95"],
                    total=r["sum"],
                    period_days=1,
                    statistic=statistic,
                )
                daily[metric_id].append((start, value))
                continue
            days = 7 if start <= week else (today - start).days + 1
            value = scorecards.headline(
                kind,
                rate=r["rate"],
                p50=r["p50"],
                p95=r["p95"],
                total=r["sum"],
                period_days=days,
                statistic=statistic,
            )
            samples = scorecards.sample_size(
                kind, count=r["count"], trials=r["trials"], days=r["days"]
            )
            weekly[metric_id].append((start, value, samples))
            if first <= start <= week:  # as latest_weekly chooses
                latest[metric_id] = r  # sorted oldest first: the last one wins
    minimum = min_samples()
    lines = [
        make_line(
            m,
            targets.get((use_case.pk, m.pk)),
            latest.get(m.pk),
            week=week,
            minimum=minimum,
            statistic=statistic,
        )
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
        computed_at=max(computed, default=None),
        now=now,
        statistic=statistic,
    )


def rollup_failures(use_case: UseCase) -> list[RollupFailure]:
    """The use case's metrics whose roll-ups fail (their figures are stale), one query."""
    return list(
        RollupFailure.objects.filter(use_case=use_case)
        .select_related("metric")
        .order_by("metric__name")
    )
