"""Fixtures shared by the metrics tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from metrics import selectors
from tests.metrics.scorecard_support import measured, rate, rollup, target, week


@pytest.fixture
def now():
    """Half past the hour, an hour ago: a round time that is never in the future."""
    return timezone.now().replace(minute=30, second=0, microsecond=0) - dt.timedelta(hours=1)


@pytest.fixture
def scored(use_case):
    """Acceptance at risk, latency on target, cycle time short of samples, throughput on
    target per day (a week's sum of 1,400 is 200 a day against 160)."""
    target(use_case, "acceptance_rate", 0.75, 0.65)
    target(use_case, "latency_ms", 2500, 4000)
    target(use_case, "cycle_time_h", 8, 12, 30)
    target(use_case, "throughput", 160, 130, 100)
    rate(use_case, "acceptance_rate", week(), 0.68)
    rate(use_case, "acceptance_rate", week(1), 0.60)
    measured(use_case, "latency_ms", week(), 1300.0, count=336)
    measured(use_case, "cycle_time_h", week(), 6.0, count=10)
    rollup(use_case, "throughput", week(), count=168, days=7, sum=1400.0)
    today = selectors.today_utc()
    for offset in range(3):
        rate(use_case, "acceptance_rate", today - dt.timedelta(days=offset), 0.7, period="day")
    return use_case
