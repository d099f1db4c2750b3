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
  by the gate for measured quality metrics with many samples; the standard deviation is
  computed stably (:func:`shifted_moments` in SQL, two-pass :func:`spread_of` in Python), never from Σx² - n·mean².
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
    """Normal-approximation interval of a mean from n, Σx and Σx²; None below two values.

    Kept for callers that only have those sums: Σx² - n·mean² cancels catastrophically when
    the spread is small beside the mean (and Σx² overflows for large values). The gate uses
    :func:`shifted_moments` and :func:`interval_of_mean` instead.
    """
    if count < 2:
        return None
    mean = total / count
    variance = max(0.0, (sum_of_squares - count * mean * mean) / (count - 1))
    half = z * math.sqrt(variance / count)
    return mean - half, mean + half


@dataclass(frozen=True)
class Spread:
    """The mean and the sample standard deviation of n values (std 0 below two values)."""

    count: int
    mean: float
    std: float


def shifted_moments(
    count: int, low: float, high: float, sum_d: float | None, sum_d2: float | None
) -> Spread | None:
    """Mean and standard deviation from sums of the values *shifted and scaled* into [-1, 1].

    With ``shift = high/2 + low/2`` and ``scale = high/2 - low/2`` (no overflow even at ±1e308),
    ``d = (x - shift) / scale`` lies in [-1, 1], so Σd and Σd² cannot overflow, and because the
    extremes take part, Σ(d - mean(d))² ≥ 2: the subtraction Σd² - (Σd)²/n loses at most
    n·ε of it, whatever the values' magnitude (the precision case of 500 values around 1e6
    with a spread of 0.01 is exact to about 1e-12). This is what SQL can compute in two
    passes (min and max, then the sums), on PostgreSQL and SQLite alike. ``sum_d`` and
    ``sum_d2`` are None when all values are equal (scale 0). The result is finite, or None
    when it cannot be (only values near ±1.8e308 stored by hand come that far).
    """
    if count <= 0:
        return None
    shift = high / 2 + low / 2
    scale = high / 2 - low / 2
    if not scale or sum_d is None or sum_d2 is None:
        return Spread(count=count, mean=shift, std=0.0)
    mean_d = sum_d / count
    mean = shift + scale * mean_d
    variance_d = max(0.0, (sum_d2 - sum_d * mean_d) / (count - 1)) if count > 1 else 0.0
    std = scale * math.sqrt(variance_d)
    if not (math.isfinite(mean) and math.isfinite(std)):
        return None
    return Spread(count=count, mean=mean, std=std)


def spread_of(values: Sequence[float]) -> Spread | None:
    """Two-pass mean and sample standard deviation, each sum taken exactly (``math.fsum``):
    no Σx², so no cancellation. None for no values or figures beyond a float's range."""
    if not values:
        return None
    count = len(values)
    try:
        mean = math.fsum(values) / count
        m2 = math.fsum((x - mean) * (x - mean) for x in values)
    except (OverflowError, ValueError):
        return None
    std = math.sqrt(m2 / (count - 1)) if count > 1 else 0.0
    if not (math.isfinite(mean) and math.isfinite(std)):
        return None
    return Spread(count=count, mean=mean, std=std)


def interval_of_mean(spread: Spread, z: float = Z95) -> tuple[float, float] | None:
    """Normal-approximation interval of the mean: mean ± z·s/√n; None below two values."""
    if spread.count < 2:
        return None
    half = z * (spread.std / math.sqrt(spread.count))
    low, high = spread.mean - half, spread.mean + half
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    return low, high


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
