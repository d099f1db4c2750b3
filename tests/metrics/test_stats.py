"""Pure statistics: percentiles, Wilson intervals, mean intervals, ISO weeks, target judgement."""

import datetime as dt
import math
import random
import statistics

import numpy as np
import pytest

from metrics import stats


@pytest.mark.parametrize("seed", range(20))
def test_percentile_matches_numpy_linear_on_random_data(seed):
    rng = random.Random(seed)
    values = sorted(rng.lognormvariate(5, 1.2) for _ in range(rng.randint(1, 400)))
    for q in (0, 0.01, 0.5, 0.95, 0.99, 1):
        expected = float(np.percentile(values, q * 100, method="linear"))
        assert stats.percentile_linear(values, q) == pytest.approx(expected, rel=1e-12)


def test_percentile_edges():
    assert stats.percentile_linear([], 0.5) is None
    assert stats.percentile_linear([7.0], 0.99) == 7.0
    assert stats.percentile_linear([1.0, 2.0], 0.5) == 1.5
    assert stats.percentile_linear([10, 20, 30, 40, 50], 0.95) == pytest.approx(48.0)
    with pytest.raises(ValueError):
        stats.percentile_linear([1.0], 1.5)


def test_wilson_interval_known_values():
    # Reference values (Wilson 1927; e.g. Newcombe 1998, table I: 81/263 -> 0.2553 to 0.3662).
    low, high = stats.wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)
    low, high = stats.wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = stats.wilson_interval(10, 10)
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(0.7225, abs=1e-4)
    assert stats.wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson_interval(5, 4)


@pytest.mark.parametrize("seed", range(10))
def test_wilson_interval_brackets_the_rate_and_narrows_with_trials(seed):
    rng = random.Random(seed)
    p = rng.random()
    small = stats.wilson_interval(round(p * 50), 50)
    large = stats.wilson_interval(round(p * 5000), 5000)
    assert small and large
    assert small[0] <= round(p * 50) / 50 <= small[1]
    assert (large[1] - large[0]) < (small[1] - small[0])


def test_mean_interval_matches_statistics():
    rng = random.Random(3)
    values = [rng.gauss(100, 15) for _ in range(500)]
    low, high = stats.mean_interval(len(values), sum(values), sum(v * v for v in values))
    mean = statistics.fmean(values)
    half = stats.Z95 * statistics.stdev(values) / math.sqrt(len(values))
    assert low == pytest.approx(mean - half, rel=1e-9)
    assert high == pytest.approx(mean + half, rel=1e-9)
    assert stats.mean_interval(1, 5.0, 25.0) is None


def test_summarize_measured_matches_numpy():
    rng = random.Random(11)
    values = [rng.expovariate(0.01) for _ in range(1001)]
    s = stats.summarize_measured(values)
    assert s is not None
    assert s.count == 1001
    assert s.sum == pytest.approx(math.fsum(values))
    assert s.min == min(values) and s.max == max(values)
    assert s.mean == pytest.approx(statistics.fmean(values))
    for q, got in ((50, s.p50), (95, s.p95), (99, s.p99)):
        assert got == pytest.approx(float(np.percentile(values, q)), rel=1e-12)
    assert stats.summarize_measured([]) is None


def test_week_start_is_the_iso_monday():
    assert stats.week_start(dt.date(2026, 3, 1)) == dt.date(2026, 2, 23)  # a Sunday
    assert stats.week_start(dt.date(2026, 3, 2)) == dt.date(2026, 3, 2)  # a Monday
    for offset in range(30):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
        start = stats.week_start(day)
        assert start.isocalendar()[:2] == day.isocalendar()[:2]
        assert start.weekday() == 0


def test_meets_target_judges_the_interval_not_the_point():
    # A point estimate of 0.76 over a 0.75 target, but the interval dips below: not met.
    assert not stats.meets_target((0.70, 0.82), 0.75, higher_is_better=True)
    assert stats.meets_target((0.751, 0.80), 0.75, higher_is_better=True)
    assert not stats.meets_target((0.01, 0.06), 0.05, higher_is_better=False)
    assert stats.meets_target((0.01, 0.05), 0.05, higher_is_better=False)


def _numpy_spread(values):
    """The reference: NumPy's two-pass mean and deviation, in extended precision."""
    array = np.array(values, dtype=np.longdouble)
    return float(array.mean()), float(array.std(ddof=1))


@pytest.mark.parametrize(
    "values",
    [
        [1e6 + 0.01 + (0.0096 if i % 2 else -0.0096) for i in range(500)],
        [1e9 + (i % 7) * 1e-3 for i in range(1000)],
        [-3.5, 2.0, 10.25, 0.0, 7.75],
        [42.0] * 10,
    ],
    ids=["around-1e6", "around-1e9", "small", "constant"],
)
def test_stable_spreads_match_numpy(values):
    mean, std = _numpy_spread(values)
    welford = stats.spread_of(values)
    lo, hi = min(values), max(values)
    shift, scale = hi / 2 + lo / 2, hi / 2 - lo / 2
    d = [(v / 2 - shift / 2) / (scale / 2) for v in values] if scale else None
    shifted = stats.shifted_moments(
        len(values), lo, hi, sum(d) if d else None, sum(x * x for x in d) if d else None
    )
    for found in (welford, shifted):
        assert found is not None and found.count == len(values)
        assert abs(found.mean - mean) <= 1e-12 * max(1.0, abs(mean))
        assert abs(found.std - std) <= 1e-6 * std + 1e-15


def test_the_naive_formula_is_the_one_that_fails():
    """Why the gate no longer uses Σx² - n·mean²: here it is off by a fifth of the width."""
    values = [1e6 + 0.01 + (0.0096 if i % 2 else -0.0096) for i in range(500)]
    _, std = _numpy_spread(values)
    naive = stats.mean_interval(len(values), sum(values), sum(v * v for v in values))
    stable = stats.interval_of_mean(stats.spread_of(values))
    assert naive is not None and stable is not None
    true_half = stats.Z95 * std / len(values) ** 0.5
    assert abs((stable[1] - stable[0]) / 2 - true_half) < 1e-9
    assert abs((naive[1] - naive[0]) / 2 - true_half) > 1e-5


def test_spreads_beyond_a_float_are_none_not_errors():
    assert stats.spread_of([1e308, -1e308, 1e308]) is None
    assert stats.spread_of([]) is None
    huge = stats.shifted_moments(3, 1e200, 1e308, 1.0, 3.0)
    assert huge is not None and huge.mean <= 1e308
    assert stats.interval_of_mean(stats.Spread(count=3, mean=1.7e308, std=1e308)) is None
