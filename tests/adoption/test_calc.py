import datetime as dt

from adoption.calc import days_since_go_live, early_window, percent, recent_weeks, week_start


def test_week_start_is_the_iso_monday():
    assert week_start(dt.date(2026, 11, 27)) == dt.date(2026, 11, 23)  # a Friday
    assert week_start(dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)  # a Monday
    assert week_start(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)  # a Sunday


def test_recent_weeks_end_with_this_week_oldest_first():
    weeks = recent_weeks(dt.date(2026, 11, 27), 3)
    assert weeks == [dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23)]


def test_days_since_go_live_counts_the_go_live_day_as_day_1():
    live = dt.date(2026, 1, 1)
    assert days_since_go_live(live, live) == 1
    assert days_since_go_live(live, dt.date(2026, 1, 31)) == 31
    assert days_since_go_live(live, dt.date(2025, 12, 31)) is None
    assert days_since_go_live(None, live) is None


def test_early_window_marks_the_first_sixty_days():
    live = dt.date(2026, 1, 1)
    assert early_window(live, dt.date(2026, 1, 30)) == "days 1-30"
    assert early_window(live, dt.date(2026, 1, 31)) == "days 31-60"
    assert early_window(live, dt.date(2026, 3, 1)) == "days 31-60"  # day 60
    assert early_window(live, dt.date(2026, 3, 2)) == ""  # day 61
    assert early_window(None, live) == ""


def test_percent():
    assert percent(1, 3) == 33
    assert percent(2, 2) == 100
    assert percent(0, 0) is None
