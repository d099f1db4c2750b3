"""Pure calculations of the adoption rollout: weeks, the early-iteration window, percentages.

No ORM here; each function is tested on its own.
"""

from __future__ import annotations

import datetime as dt

EARLY_WINDOW_DAYS = 60  # the first 30-60 days after go-live are when iteration is fastest


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def recent_weeks(today: dt.date, count: int = 12) -> list[dt.date]:
    """The Mondays of the last ``count`` ISO weeks, oldest first, ending with this week."""
    this_week = week_start(today)
    return [this_week - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def days_since_go_live(go_live: dt.date | None, day: dt.date) -> int | None:
    """Day number after go-live: 1 on the go-live date; None before go-live or without one."""
    if go_live is None or day < go_live:
        return None
    return (day - go_live).days + 1


def early_window(go_live: dt.date | None, day: dt.date) -> str:
    """``"days 1-30"``, ``"days 31-60"`` or ``""`` for a date relative to the first go-live."""
    n = days_since_go_live(go_live, day)
    if n is None or n > EARLY_WINDOW_DAYS:
        return ""
    return "days 1-30" if n <= 30 else "days 31-60"


def percent(part: int, whole: int) -> int | None:
    """Whole-number percentage, or None when there is nothing to divide by."""
    if whole <= 0:
        return None
    return round(100 * part / whole)
