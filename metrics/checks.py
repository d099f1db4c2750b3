"""The metric gate: before operationalization, production and scale, every quality metric of the
use case that has a target must meet it, judged on its confidence interval.

For each quality metric with a target, over the last ``METRICS_GATE_WINDOW_DAYS`` UTC days
(today included) and with at least ``METRICS_GATE_MIN_SAMPLES`` samples (trials, for rates):

* rates: summed successes over summed trials of the daily roll-ups (the check reads roll-ups
  only), with the 95% Wilson interval;
* measured values and counts: the mean of the raw samples with a 95% normal interval.

Higher-is-better passes when the interval's lower bound reaches the target; lower-is-better
when its upper bound stays at or under it. So a metric whose point estimate meets the target
by a hair on a few samples does not pass. Blockers name the metric, its value, its interval,
its sample size and its target, and link to the use case's scorecard.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, F, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from metrics import stats
from metrics.models import Direction, Level, MetricKind, MetricTarget, Period, Rollup, Sample
from readiness.gate import Blocker, Target

if TYPE_CHECKING:
    from metrics.models import MetricDefinition
    from readiness.models import UseCase

GATED_TARGETS = frozenset({"phase:3", "production", "scale"})


def scorecard_url(use_case: UseCase) -> str:
    kwargs = {"org": use_case.organization.slug, "pk": use_case.pk}
    try:
        return reverse("scorecard_use_case", kwargs=kwargs)
    except NoReverseMatch:
        return f"/o/{use_case.organization.slug}/metrics/use-cases/{use_case.pk}/"


def format_value(metric: MetricDefinition, value: float) -> str:
    """A figure as people read it: rates as percentages, others with their unit."""
    if metric.kind == MetricKind.RATE:
        return f"{100 * value:.1f}%"
    unit = f" {metric.unit}" if metric.unit else ""
    return f"{value:,.4g}{unit}"


def _window() -> tuple[int, dt.date, dt.date]:
    days = int(getattr(settings, "METRICS_GATE_WINDOW_DAYS", 14))
    today = timezone.now().astimezone(dt.UTC).date()
    return days, today - dt.timedelta(days=days - 1), today


def metric_gate_check(use_case: UseCase, target: Target) -> list[Blocker]:
    if target.key not in GATED_TARGETS:
        return []
    targets = list(
        MetricTarget.objects.filter(
            use_case=use_case, metric__level=Level.QUALITY, target__isnull=False
        )
        .select_related("metric")
        .order_by("metric__name")
    )
    if not targets:
        return []
    days, first, last = _window()
    minimum = int(getattr(settings, "METRICS_GATE_MIN_SAMPLES", 200))
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    rate_ids = [t.metric_id for t in targets if t.metric.kind == MetricKind.RATE]
    rate_sums = {
        row["metric_id"]: row
        for row in Rollup.objects.filter(
            use_case=use_case,
            metric_id__in=rate_ids,
            period=Period.DAY,
            period_start__gte=first,
            period_start__lte=last,
        )
        .values("metric_id")
        .annotate(successes=Sum("successes"), trials=Sum("trials"))
        .order_by()
    }
    url = scorecard_url(use_case)
    blockers: list[Blocker] = []
    for t in targets:
        metric = t.metric
        assert t.target is not None
        if metric.kind == MetricKind.RATE:
            row = rate_sums.get(metric.pk) or {}
            successes = float(row.get("successes") or 0)
            n = float(row.get("trials") or 0)
            value = successes / n if n else None
            interval = stats.wilson_interval(successes, n) if n else None
            noun = "trials"
        else:
            agg = Sample.objects.filter(use_case=use_case, metric=metric, ts__gte=since).aggregate(
                n=Count("value"), total=Sum("value"), squares=Sum(F("value") * F("value"))
            )
            n = float(agg["n"] or 0)
            value = agg["total"] / n if n else None
            interval = (
                stats.mean_interval(int(n), agg["total"] or 0.0, agg["squares"] or 0.0)
                if n
                else None
            )
            noun = "samples"
        higher = metric.direction == Direction.HIGHER
        detail = {
            "metric": metric.key,
            "target": t.target,
            "direction": metric.direction,
            "samples": int(n),
            "window_days": days,
            "value": value,
            "ci_low": interval[0] if interval else None,
            "ci_high": interval[1] if interval else None,
        }
        if n < minimum or interval is None or value is None:
            blockers.append(
                Blocker(
                    code="metric_not_enough_data",
                    message=(
                        f"{metric.name}: {int(n):,} {noun} in the last {days} days; at least "
                        f"{minimum:,} are needed to judge it against its target of "
                        f"{format_value(metric, t.target)}."
                    ),
                    source="metrics",
                    url=url,
                    detail=detail,
                )
            )
            continue
        if stats.meets_target(interval, t.target, higher_is_better=higher):
            continue
        bound = "lower" if higher else "upper"
        blockers.append(
            Blocker(
                code="metric_off_target",
                message=(
                    f"{metric.name} is {format_value(metric, value)} over the last {days} days "
                    f"(95% interval {format_value(metric, interval[0])} to "
                    f"{format_value(metric, interval[1])}, {int(n):,} {noun}); the target is "
                    f"{'at least' if higher else 'at most'} {format_value(metric, t.target)} "
                    f"and the interval's {bound} bound must meet it."
                ),
                source="metrics",
                url=url,
                detail=detail,
            )
        )
    return blockers
