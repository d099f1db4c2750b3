"""The metric gate: before operationalization, production and scale, every quality metric of the
use case that has a target must meet it, judged on its confidence interval.

For each quality metric with a target, over the last ``METRICS_GATE_WINDOW_DAYS`` UTC days
(today included) and with at least ``METRICS_GATE_MIN_SAMPLES`` samples (trials, for rates):

* rates: summed successes over summed trials of the daily figures, with the 95% Wilson
  interval;
* measured values: the mean of the raw samples with a 95% normal interval, its standard
  deviation computed from values shifted and scaled into [-1, 1] (two passes in SQL, see
  :func:`metrics.stats.shifted_moments`): no overflow, no loss of precision;
* counts: the mean of their *daily totals* (the complete days of the window that have
  samples), with a 95% normal interval, and at least ``METRICS_GATE_MIN_DAYS`` (7) such days
  instead of a number of samples.

Daily figures are *fresh* (:func:`metrics.selectors.fresh.fresh_rollups`): the daily roll-ups
with the days that have samples newer than their roll-up recomputed on read, so right after a
batch the gate counts its samples, as the scorecard does. Every message says which statistic
it judges (the mean, the mean daily total, the rate), that today counts so far (or, for
counts, that today is left out as it is not over), and when the figures were computed.

Higher-is-better passes when the interval's lower bound reaches the target; lower-is-better
when its upper bound stays at or under it. So a metric whose point estimate meets the target
by a hair on a few samples does not pass. Blockers name the metric, its value, its interval,
its sample size and its target, and link to the use case's scorecard.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from metrics import scorecards, stats
from metrics.models import Direction, Level, MetricKind, MetricTarget, Period
from metrics.selectors.fresh import fresh_rollups
from readiness import display
from readiness.gate import Blocker, Target
from readiness.links import org_pk_url, org_slugs

if TYPE_CHECKING:
    from metrics.models import MetricDefinition
    from readiness.models import UseCase

GATED_TARGETS = frozenset({"phase:3", "production", "scale"})


def scorecard_url(use_case: UseCase) -> str:
    return reverse(
        "scorecard_use_case", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )


def format_value(metric: MetricDefinition, value: float, *, decimals: int | None = None) -> str:
    """A figure as people read it: rates as percentages, others with their unit (per day for
    counts), in plain digits with thousands separators. ``decimals`` forces the precision
    (an interval and its target are shown with enough digits to tell them apart)."""
    if metric.kind == MetricKind.RATE:
        if decimals is None:
            return display.format_quantity(100 * value, "%")
        return f"{100 * value:.{decimals}f}%"
    unit = metric.unit
    if metric.kind == MetricKind.COUNT:
        unit = f"{unit}/day" if unit else "per day"
    if not math.isfinite(value) or abs(value) >= 1e15:
        return f"{value:.4g}" + (f" {unit}" if unit else "")
    if decimals is None:  # the unit's precision (readiness.display), as on every page
        return (
            display.format_quantity(value, metric.unit)
            + ("/day" if metric.kind == MetricKind.COUNT and metric.unit else "")
            + (" per day" if metric.kind == MetricKind.COUNT and not metric.unit else "")
        )
    return f"{value:,.{min(decimals, 12)}f}" + (f" {unit}" if unit else "")


def _decimals_to_tell_apart(*values: float) -> int:
    """Enough decimals that the given figures, if different, do not print the same."""
    finite = sorted(v for v in values if math.isfinite(v))
    gaps = [b - a for a, b in itertools.pairwise(finite) if b > a]
    if not gaps:
        return 0
    return max(0, min(12, -math.floor(math.log10(min(gaps)))))


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _window() -> tuple[int, dt.date, dt.date]:
    days = int(getattr(settings, "METRICS_GATE_WINDOW_DAYS", 14))
    today = timezone.now().astimezone(dt.UTC).date()
    return days, today - dt.timedelta(days=days - 1), today


def metric_gate_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    """Judge the quality targets of many use cases in three queries (targets, rate roll-ups,
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
    value_ids = list({t.metric_id for t in metric_targets if t.metric.kind == MetricKind.MEASURED})
    count_ids = list({t.metric_id for t in metric_targets if t.metric.kind == MetricKind.COUNT})
    measured: dict[tuple[int, int], dict[str, Any]] = {}
    now = timezone.now()
    if rate_ids or count_ids:
        daily = fresh_rollups(
            ids, period=Period.DAY, first=first, last=last, metric_ids=rate_ids + count_ids, now=now
        )
        count_set = set(count_ids)
        totals: dict[tuple[int, int], list[float]] = {}
        for (uc_id, metric_id, day), row in sorted(daily.items()):
            key = (uc_id, metric_id)
            if metric_id in count_set:
                if day < last:  # today is not over: its total is partial
                    totals.setdefault(key, []).append(float(row["sum"] or 0.0))
                    _newest(measured.setdefault(key, {}), row["computed_at"])
                continue
            found = measured.setdefault(key, {"successes": 0.0, "trials": 0.0})
            found["successes"] += float(row["successes"] or 0.0)
            found["trials"] += float(row["trials"] or 0.0)
            _newest(found, row["computed_at"])
        for key, values in totals.items():
            measured[key].update(spread=stats.spread_of(values), n=len(values))
    if value_ids:
        for key, spread in measured_spreads(ids, value_ids, since).items():
            # Read from the raw samples now.
            measured[key] = {"spread": spread, "n": spread.count if spread else 0, "at": now}
    slugs = org_slugs(list(by_pk.values()))
    min_days = int(getattr(settings, "METRICS_GATE_MIN_DAYS", 7))
    for t in metric_targets:
        uc = by_pk[t.use_case_id]
        url = org_pk_url("scorecard_use_case", slugs[uc.pk], uc.pk)
        blocker = _judge(
            t,
            measured.get((uc.pk, t.metric_id)) or {},
            days=days,
            minimum=min_days if t.metric.kind == MetricKind.COUNT else minimum,
            url=url,
            now=now,
        )
        if blocker is not None:
            result[uc.pk].append(blocker)
    return result


def _newest(found: dict[str, Any], computed_at: dt.datetime) -> None:
    """Keep in ``found["at"]`` the newest computation among the figures added up."""
    if found.get("at") is None or computed_at > found["at"]:
        found["at"] = computed_at


def _judge(
    t: MetricTarget,
    measured: dict[str, Any],
    *,
    days: int,
    minimum: int,
    url: str,
    now: dt.datetime | None = None,
) -> Blocker | None:
    """The blocker for one quality target given what was measured (None when it is met).

    ``measured`` holds ``successes`` and ``trials`` summed from daily roll-ups for a rate, or
    ``n`` and the values' ``spread`` (mean and standard deviation; None when it is beyond a
    float's range) otherwise: raw samples for measured values, daily totals for counts;
    empty when nothing was; ``at`` is when those figures were computed."""
    metric = t.metric
    now = now or timezone.now()
    computed_at: dt.datetime = measured.get("at") or now
    assert t.target is not None
    interval: tuple[float, float] | None
    if metric.kind == MetricKind.RATE:
        successes = float(measured.get("successes") or 0)
        n = float(measured.get("trials") or 0)
        value = successes / n if n else None
        interval = stats.wilson_interval(successes, n) if n else None
        noun = "trials"
    else:
        n = float(measured.get("n") or 0)
        spread: stats.Spread | None = measured.get("spread")
        value = spread.mean if spread is not None else None
        interval = stats.interval_of_mean(spread) if spread is not None else None
        noun = "days of totals" if metric.kind == MetricKind.COUNT else "samples"
    higher = metric.direction == Direction.HIGHER
    detail = {
        "metric": metric.key,
        "target": t.target,
        "direction": metric.direction,
        "samples": int(n),
        "window_days": days,
        "value": _finite(value),
        "ci_low": _finite(interval[0]) if interval else None,
        "ci_high": _finite(interval[1]) if interval else None,
        "statistic": _STATISTIC[metric.kind],
        "computed_at": computed_at.isoformat(),
        # Today is part of the window so far (counts leave it out: its total is partial).
        "partial_today": metric.kind != MetricKind.COUNT,
    }
    window = _window_text(metric, days)
    age = scorecards.computed_at_text(computed_at)
    if n >= minimum and n >= 2 and interval is None:
        # Only values stored past every ingestion check come here (beyond a float's range).
        return Blocker(
            code="metric_unreadable",
            message=(
                f"{metric.name}: the {int(n):,} {noun} of {window} cannot be "
                "judged: their spread is beyond what can be computed. Check the values sent "
                f"for this metric. Figures {age}."
            ),
            source="metrics",
            url=url,
            detail=detail,
        )
    if n < minimum or interval is None or value is None:
        return Blocker(
            code="metric_not_enough_data",
            message=(
                f"{metric.name}: {int(n):,} {noun} in {window}; at least "
                f"{minimum:,} are needed to judge it against its target of "
                f"{format_value(metric, t.target)}. Figures {age}."
            ),
            source="metrics",
            url=url,
            detail=detail,
        )
    if stats.meets_target(interval, t.target, higher_is_better=higher):
        return None
    bound = "lower" if higher else "upper"
    places = None
    if metric.kind != MetricKind.RATE:
        places = _decimals_to_tell_apart(value, *interval, t.target)
    else:
        places = max(1, _decimals_to_tell_apart(*(100 * v for v in (value, *interval, t.target))))

    def shown(figure: float) -> str:
        return format_value(metric, figure, decimals=places)

    return Blocker(
        code="metric_off_target",
        message=(
            f"{metric.name} is {shown(value)} over {window}, as {_STATISTIC_TEXT[metric.kind]} "
            f"(95% interval {shown(interval[0])} to {shown(interval[1])}, {int(n):,} {noun}); "
            f"the target is {'at least' if higher else 'at most'} {shown(t.target)} "
            f"and the interval's {bound} bound must meet it. Figures {age}."
        ),
        source="metrics",
        url=url,
        detail=detail,
    )


# The statistic each kind is judged on (the blocker's ``detail["statistic"]``), and in words.
_STATISTIC: dict[str, str] = {
    MetricKind.RATE: "rate",
    MetricKind.MEASURED: "mean",
    MetricKind.COUNT: "daily_mean",
}
_STATISTIC_TEXT: dict[str, str] = {
    MetricKind.RATE: "successes over trials",
    MetricKind.MEASURED: "the mean of the samples",
    MetricKind.COUNT: "the mean daily total",
}


def _window_text(metric: MetricDefinition, days: int) -> str:
    if metric.kind == MetricKind.COUNT:
        return f"the last {days} days (today left out: it is not over)"
    return f"the last {days} days (today so far included)"


_SPREAD_SQL = """
WITH g AS (
    SELECT use_case_id, metric_id, count(value) AS n, min(value) AS lo, max(value) AS hi
    FROM metrics_sample
    WHERE use_case_id IN ({ids}) AND metric_id IN ({metrics}) AND ts >= %s
        AND value IS NOT NULL
    GROUP BY use_case_id, metric_id
),
c AS (
    SELECT use_case_id, metric_id, n, lo, hi,
        hi / 2 + lo / 2 AS shift, CASE WHEN hi > lo THEN hi / 2 - lo / 2 END AS scale
    FROM g
)
SELECT c.use_case_id, c.metric_id, c.n, c.lo, c.hi,
    sum((s.value / 2 - c.shift / 2) / (c.scale / 2)),
    sum(((s.value / 2 - c.shift / 2) / (c.scale / 2))
        * ((s.value / 2 - c.shift / 2) / (c.scale / 2)))
FROM metrics_sample s
JOIN c ON c.use_case_id = s.use_case_id AND c.metric_id = s.metric_id
WHERE s.ts >= %s AND s.value IS NOT NULL
GROUP BY c.use_case_id, c.metric_id, c.n, c.lo, c.hi
"""


def measured_spreads(
    use_case_ids: Sequence[int], metric_ids: Sequence[int], since: dt.datetime
) -> dict[tuple[int, int], stats.Spread | None]:
    """Per use case and measured metric: the count, mean and standard deviation of the raw
    samples since ``since``, in one statement of two passes (min and max, then the sums of the
    values shifted and scaled into [-1, 1]; see :func:`metrics.stats.shifted_moments`).

    Nothing in it can overflow: a value is halved before any subtraction, and the sums add
    numbers of size at most 1. None for a metric whose figures are beyond a float's range.
    """
    sql = _SPREAD_SQL.format(  # ids are ints, formatted by int()
        ids=", ".join(str(int(i)) for i in use_case_ids),
        metrics=", ".join(str(int(m)) for m in metric_ids),
    )
    out: dict[tuple[int, int], stats.Spread | None] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, since])
        for uc, metric, n, lo, hi, sum_d, sum_d2 in cursor.fetchall():
            # The shift and scale are recomputed from lo and hi alike by shifted_moments.
            out[(uc, metric)] = stats.shifted_moments(
                int(n), float(lo), float(hi), _float(sum_d), _float(sum_d2)
            )
    return out


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
