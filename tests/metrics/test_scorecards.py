"""The pure rules of the scorecards: status, a level's status, change since baseline, the
headline figure, the week judged and the formatting."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from metrics import scorecards
from metrics.scorecards import Status

S = Status


def judge(value, *, target=0.8, warning=0.7, higher=True, n=100, minimum=25):
    return scorecards.status(
        value,
        target=target,
        warning=warning,
        higher_is_better=higher,
        sample_size=n,
        min_samples=minimum,
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.85, S.ON_TARGET),
        (0.80, S.ON_TARGET),  # meeting the target exactly is on target
        (0.79, S.AT_RISK),
        (0.70, S.AT_RISK),  # the warning threshold itself is still at risk
        (0.69, S.OFF_TARGET),
        (0.0, S.OFF_TARGET),
    ],
)
def test_higher_is_better(value, expected):
    assert judge(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (1000.0, S.ON_TARGET),
        (2500.0, S.ON_TARGET),
        (3000.0, S.AT_RISK),
        (4000.0, S.AT_RISK),
        (4000.1, S.OFF_TARGET),
    ],
)
def test_lower_is_better(value, expected):
    assert judge(value, target=2500.0, warning=4000.0, higher=False) == expected


def test_without_a_warning_a_miss_is_off_target():
    assert judge(0.79, warning=None) == S.OFF_TARGET
    assert judge(3000.0, target=2500.0, warning=None, higher=False) == S.OFF_TARGET


def test_a_warning_on_the_wrong_side_is_not_trusted():
    # Higher is better, yet the warning sits above the target: a miss is simply off target.
    assert judge(0.79, warning=0.9) == S.OFF_TARGET
    assert judge(3000.0, target=2500.0, warning=2000.0, higher=False) == S.OFF_TARGET


def test_no_target_is_not_judged_even_with_data():
    assert judge(0.9, target=None, warning=None) == S.NO_TARGET
    assert judge(None, target=None, warning=None, n=0) == S.NO_TARGET


@pytest.mark.parametrize("n, expected", [(24, S.NO_DATA), (25, S.ON_TARGET), (0, S.NO_DATA)])
def test_minimum_sample_size(n, expected):
    assert judge(0.9, n=n, minimum=25) == expected


def test_missing_or_nan_value_is_not_enough_data():
    assert judge(None) == S.NO_DATA
    assert judge(math.nan) == S.NO_DATA


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([S.ON_TARGET, S.AT_RISK, S.ON_TARGET], S.AT_RISK),
        ([S.ON_TARGET, S.OFF_TARGET, S.AT_RISK], S.OFF_TARGET),
        ([S.ON_TARGET, S.NO_DATA], S.ON_TARGET),  # judged among metrics with enough data
        ([S.NO_DATA, S.NO_DATA, S.NO_TARGET], S.NO_DATA),  # none has enough data
        ([S.NO_TARGET, S.NO_TARGET], S.NO_TARGET),  # nothing has a target
        ([], S.NO_TARGET),
        ([S.NO_TARGET, S.ON_TARGET], S.ON_TARGET),  # metrics without target do not count
    ],
)
def test_level_status_is_the_worst_judged(statuses, expected):
    assert scorecards.level_status(statuses) == expected


def test_change_since_baseline_follows_the_direction():
    better = scorecards.change_since_baseline(5.5, 30.0, higher_is_better=False)
    assert better is not None
    assert better.absolute == pytest.approx(-24.5)
    assert better.relative == pytest.approx(-24.5 / 30)
    assert better.improved is True
    worse = scorecards.change_since_baseline(0.5, 0.6, higher_is_better=True)
    assert worse is not None and worse.improved is False
    same = scorecards.change_since_baseline(1.0, 1.0, higher_is_better=True)
    assert same is not None and same.improved is None
    zero = scorecards.change_since_baseline(3.0, 0.0, higher_is_better=True)
    assert zero is not None and zero.relative is None and zero.improved is True
    assert scorecards.change_since_baseline(None, 3.0, higher_is_better=True) is None
    assert scorecards.change_since_baseline(3.0, None, higher_is_better=True) is None


def test_headline_and_sample_size_by_kind():
    figures = {"rate": 0.8, "p50": 120.0, "total": 1400.0}
    assert scorecards.headline("rate", period_days=7, **figures) == 0.8
    assert scorecards.headline("measured", period_days=7, **figures) == 120.0
    # Counts are judged per day, as their targets are: a week's sum over its seven days.
    assert scorecards.headline("count", period_days=7, **figures) == 200.0
    assert scorecards.headline("count", period_days=1, **figures) == 1400.0
    assert scorecards.headline("count", rate=None, p50=None, total=None, period_days=7) is None
    assert scorecards.sample_size("rate", count=12, trials=340.0) == 340.0
    assert scorecards.sample_size("measured", count=12, trials=None) == 12.0
    assert scorecards.sample_size("rate", count=12, trials=None) == 0.0


@pytest.mark.parametrize(
    "today, monday",
    [
        (dt.date(2026, 11, 27), dt.date(2026, 11, 16)),  # a Friday: the week before this one
        (dt.date(2026, 11, 23), dt.date(2026, 11, 16)),  # a Monday: last week has just ended
        (dt.date(2026, 11, 22), dt.date(2026, 11, 9)),  # a Sunday: this week is not over yet
    ],
)
def test_last_complete_week(today, monday):
    assert scorecards.last_complete_week(today) == monday
    assert scorecards.last_complete_week(today).weekday() == 0


def test_window_is_ninety_days_including_today():
    assert scorecards.window_start(dt.date(2026, 11, 27)) == dt.date(2026, 8, 30)


@pytest.mark.parametrize(
    "kind, unit, value, text",
    [
        ("rate", "%", 0.8234, "82.3%"),
        ("measured", "ms", 1310.0, "1,310 ms"),
        ("measured", "USD", 0.0324, "0.03 USD"),
        ("measured", "USD", 0.08985, "0.09 USD"),
        ("measured", "USD", 0.0045, "0.0045 USD"),  # a real cost never reads 0.00
        ("measured", "h", 9.304, "9.3 h"),
        ("measured", "h", 12345.67, "12,345.7 h"),
        ("measured", "ms", 1.5e7, "15,000,000 ms"),  # never 1.5e+07
        ("count", "cases", 172.42, "172 cases/day"),
        ("measured", "cases/person/day", 3.333, "3.3 cases/person/day"),
        ("measured", "", 3.0, "3"),
        ("measured", "h", None, "—"),
    ],
)
def test_format_value(kind, unit, value, text):
    assert scorecards.format_value(kind, unit, value) == text


def test_format_change():
    rate = scorecards.change_since_baseline(0.06, 0.18, higher_is_better=False)
    assert scorecards.format_change("rate", "%", rate) == "\u221212.0 pts (\u221267%)"
    hours = scorecards.change_since_baseline(6.0, 30.0, higher_is_better=False)
    assert scorecards.format_change("measured", "h", hours) == "\u221224.0 h (\u221280%)"
    up = scorecards.change_since_baseline(190.0, 100.0, higher_is_better=True)
    assert scorecards.format_change("count", "cases", up) == "+90 cases/day (+90%)"
    from_zero = scorecards.change_since_baseline(2.0, 0.0, higher_is_better=True)
    assert scorecards.format_change("measured", "", from_zero) == "+2"
    assert scorecards.format_change("rate", "%", None) == "—"
