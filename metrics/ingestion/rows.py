"""The form a checked sample travels in, from validation to storage and roll-up marking.

Times are kept as integer microseconds since 2000-01-01 UTC (PostgreSQL's own binary form);
days for the roll-up marks are whole UTC days since that epoch.
"""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = EPOCH.date()
ONE_MICROSECOND = dt.timedelta(microseconds=1)
MICROS_PER_DAY = 86_400_000_000

# (use case id, metric id, client id, microseconds since 2000, value, numerator, denominator)
Row = tuple[int, int, str, int, float | None, int | None, int | None]
# (use case id, metric id, UTC day number since 2000-01-01)
DayKey = tuple[int, int, int]


def day_of(day_number: int) -> dt.date:
    return EPOCH_DATE + dt.timedelta(days=day_number)


def as_datetime(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)
