"""The ``--pin-date`` option (tests/conftest.py) that ``make test-weekdays`` runs the suite with."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import pinned_moment


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("2027-01-03", dt.datetime(2027, 1, 3, 12, tzinfo=dt.UTC)),  # a bare date: noon UTC
        ("2027-01-03T23:30", dt.datetime(2027, 1, 3, 23, 30, tzinfo=dt.UTC)),
        (
            "2026-12-28T00:05:00+05:30",
            dt.datetime(2026, 12, 28, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        ),
    ],
)
def test_a_pinned_date_is_noon_utc_unless_a_time_is_given(value, moment):
    assert pinned_moment(value) == moment


def test_a_value_that_is_not_a_date_is_a_usage_error():
    with pytest.raises(pytest.UsageError, match="expected YYYY-MM-DD"):
        pinned_moment("next monday")


def test_the_session_runs_on_the_pinned_day_or_on_today(request):
    """In a pinned run the app's clock says the pinned day; otherwise the real one."""
    value = request.config.getoption("--pin-date")
    hatch = time_machine.escape_hatch
    real = hatch.datetime.datetime.now(dt.UTC) if hatch.is_travelling() else dt.datetime.now(dt.UTC)
    expected = pinned_moment(value) if value else real
    assert abs(timezone.now() - expected) < dt.timedelta(minutes=30)
    assert timezone.now().date() == expected.astimezone(dt.UTC).date()
