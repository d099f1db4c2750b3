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
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from metrics import stats
from metrics.models import Direction, Level, MetricKind, MetricTarget, Period, Rollup, Sample
from readiness.gate import Blocker, Target

if TYPE_CHECKING:
    from metrics.models import MetricDefinition
    from readiness.models import UseCase

GATED_TARGETS = frozenset({"phase:3", "production", "scale"})


def scorecard_url(use_case: UseCase) -> str:
    return reverse(
        "scorecard_use_case", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )


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
        if t.metric.kind == MetricKind.RATE:
            measured = rate_sums.get(t.metric.pk) or {}
        else:
            measured = Sample.objects.filter(
                use_case=use_case, metric=t.metric, ts__gte=since
            ).aggregate(n=Count("value"), total=Sum("value"), squares=Sum(F("value") * F("value")))
        blocker = _judge(t, measured, days=days, minimum=minimum, url=url)
        if blocker is not None:
            blockers.append(blocker)
    return blockers


def metric_gate_bulk(
    use_cases: list[UseCase], targets: dict[int, Target]
) -> dict[int, list[Blocker]]:
    """:func:`metric_gate_check` for many use cases in three queries (targets, rate roll-ups,
    sample aggregates), whatever their number."""
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    by_pk = {
        uc.pk: uc for uc in use_cases if uc.pk in targets and targets[uc.pk].key in GATED_TARGETS
    }
    if not by_pk:
        return result
    metric_targets = list(
        MetricTarget.objects.filter(
            use_case_id__in=list(by_pk), metric__level=Level.QUALITY, target__isnull=False
        )
        .select_related("metric")
        .order_by("use_case_id", "metric__name")
    )
    if not metric_targets:
        return result
    days, first, last = _window()
    minimum = int(getattr(settings, "METRICS_GATE_MIN_SAMPLES", 200))
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    ids = list({t.use_case_id for t in metric_targets})
    rate_ids = list({t.metric_id for t in metric_targets if t.metric.kind == MetricKind.RATE})
    value_ids = list({t.metric_id for t in metric_targets if t.metric.kind != MetricKind.RATE})
    measured: dict[tuple[int, int], dict[str, Any]] = {}
    if rate_ids:
        for row in (
            Rollup.objects.filter(
                use_case_id__in=ids,
                metric_id__in=rate_ids,
                period=Period.DAY,
                period_start__gte=first,
                period_start__lte=last,
            )
            .values("use_case_id", "metric_id")
            .annotate(successes=Sum("successes"), trials=Sum("trials"))
            .order_by()
        ):
            measured[(row["use_case_id"], row["metric_id"])] = row
    if value_ids:
        for row in (
            Sample.objects.filter(use_case_id__in=ids, metric_id__in=value_ids, ts__gte=since)
            .values("use_case_id", "metric_id")
            .annotate(n=Count("value"), total=Sum("value"), squares=Sum(F("value") * F("value")))
            .order_by()
        ):
            measured[(row["use_case_id"], row["metric_id"])] = row
    urls: dict[int, str] = {}
    for t in metric_targets:
        uc = by_pk[t.use_case_id]
        if uc.pk not in urls:
            urls[uc.pk] = scorecard_url(uc)
        blocker = _judge(
            t, measured.get((uc.pk, t.metric_id)) or {}, days=days, minimum=minimum, url=urls[uc.pk]
        )
        if blocker is not None:
            result[uc.pk].append(blocker)
    return result


def _judge(
    t: MetricTarget, measured: dict[str, Any], *, days: int, minimum: int, url: str
) -> Blocker | None:
    """The blocker for one quality target given what was measured (None when it is met).

    ``measured`` holds ``successes`` and ``trials`` summed from daily roll-ups for a rate, or
    ``n``, ``total`` and ``squares`` of the raw samples otherwise; empty when nothing was."""
    metric = t.metric
    assert t.target is not None
    if metric.kind == MetricKind.RATE:
        successes = float(measured.get("successes") or 0)
        n = float(measured.get("trials") or 0)
        value = successes / n if n else None
        interval = stats.wilson_interval(successes, n) if n else None
        noun = "trials"
    else:
        n = float(measured.get("n") or 0)
        total = measured.get("total") or 0.0
        value = total / n if n else None
        interval = stats.mean_interval(int(n), total, measured.get("squares") or 0.0) if n else None
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
        return Blocker(
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
    if stats.meets_target(interval, t.target, higher_is_better=higher):
        return None
    bound = "lower" if higher else "upper"
    return Blocker(
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
