"""Pure statistics for roll-ups and the gate: no ORM, no Django, tested on their own.

Definitions (the SQL in :mod:`metrics.rollups` computes exactly the same ones on PostgreSQL):

* **Percentiles** use linear interpolation between the two closest ranks
  (``percentile_cont`` in PostgreSQL, ``numpy.percentile(method="linear")``, Hyndman and Fan
  type 7). Computed over every sample of the period, so the error bound against that
  definition is zero: the only difference is floating-point rounding (relative error below
  1e-12, which the tests check).
* **Rates** are summed successes over summed trials, never averaged percentages, with a 95%
  **Wilson score interval** (it stays inside [0, 1] and behaves at small samples and at rates
  near 0 or 1, unlike the normal approximation).
* **Means** of measured values carry a normal-approximation 95% interval (mean ± z·s/√n), used
  by the gate for measured quality metrics with many samples.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal
PERCENTILES = (0.5, 0.95, 0.99)


def percentile_linear(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0 <= q <= 1) of already sorted values, interpolating linearly.

    Matches PostgreSQL's ``percentile_cont(q)`` and NumPy's default ``percentile``.
    None for no values.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    position = q * (n - 1)
    lower = math.floor(position)
    upper = min(lower + 1, n - 1)
    fraction = position - lower
    a = float(sorted_values[lower])
    b = float(sorted_values[upper])
    # Same formula as PostgreSQL's percentile_cont: first + (second - first) * fraction.
    return a + (b - a) * fraction


def wilson_interval(successes: float, trials: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes/trials; None when there are no trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(
    count: int, total: float, sum_of_squares: float, z: float = Z95
) -> tuple[float, float] | None:
    """Normal-approximation interval of a mean from n, Σx and Σx²; None below two values."""
    if count < 2:
        return None
    mean = total / count
    variance = max(0.0, (sum_of_squares - count * mean * mean) / (count - 1))
    half = z * math.sqrt(variance / count)
    return mean - half, mean + half


@dataclass(frozen=True)
class MeasuredSummary:
    count: int
    sum: float
    min: float
    max: float
    mean: float
    p50: float
    p95: float
    p99: float


def summarize_measured(values: Sequence[float]) -> MeasuredSummary | None:
    """Count, sum, min, max, mean and p50/p95/p99 of the values; None for no values."""
    if not values:
        return None
    ordered = sorted(float(v) for v in values)
    total = math.fsum(ordered)
    p50, p95, p99 = (percentile_linear(ordered, q) for q in PERCENTILES)
    assert p50 is not None and p95 is not None and p99 is not None
    return MeasuredSummary(
        count=len(ordered),
        sum=total,
        min=ordered[0],
        max=ordered[-1],
        mean=total / len(ordered),
        p50=p50,
        p95=p95,
        p99=p99,
    )


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def meets_target(interval: tuple[float, float], target: float, *, higher_is_better: bool) -> bool:
    """Judged on the interval, not the point estimate: for higher-is-better the lower bound
    must reach the target; for lower-is-better the upper bound must stay at or under it."""
    low, high = interval
    return low >= target if higher_is_better else high <= target
