"""The portfolio timeline: every use case's 90-day plan on one time axis.

:func:`portfolio_timeline` reads the use cases the portfolio's filters select, their phases
and everything of theirs that is late, in a constant number of queries, and lays them out on
one axis. The geometry is computed here as numbers (x and width in the chart's own units,
0 to :data:`CHART_WIDTH`) so the template draws inline SVG with presentation attributes only:
the Content-Security-Policy allows no ``style=``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from portfolio.selectors import portfolio_use_cases
from readiness.models import PHASE_STATES, Organization, Phase, UseCase, User
from readiness.selectors import Due, due_open

CHART_WIDTH = 1000  # the x extent of every row's SVG viewBox
WEEK_TICKS_UP_TO_DAYS = 130  # past about four months, weekly ticks crowd the axis
MAX_MONTH_LABELS = 12
MARK_RADIUS = 8  # half the width of a late item's diamond, in viewBox units


@dataclass(frozen=True)
class Tick:
    """A month (labelled when there is room) or a week (a Monday) on the axis."""

    day: dt.date
    x: float
    label: str = ""


@dataclass(frozen=True)
class PhaseBar:
    """One phase of a plan: its planned span as a bar, its actual span as a strip below."""

    number: int
    name: str
    state: str  # done, late, current, upcoming (Phase.timeline_state)
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    x: float
    width: float
    actual_x: float | None
    actual_width: float | None

    @property
    def state_label(self) -> str:
        return PHASE_STATES[self.state][0]

    @property
    def badge(self) -> str:
        return PHASE_STATES[self.state][1]


@dataclass(frozen=True)
class LateMark:
    """Everything of one use case that fell due on one day and is still open."""

    day: dt.date
    x: float
    items: tuple[Due, ...]

    @property
    def points(self) -> str:
        """A diamond centred on the day, for an SVG polygon's ``points``."""
        x, r = self.x, MARK_RADIUS
        return f"{x:.2f},{16 - r} {x + r:.2f},16 {x:.2f},{16 + r} {x - r:.2f},16"


@dataclass(frozen=True)
class TimelineRow:
    use_case: UseCase
    stage_label: str
    phases: list[PhaseBar]
    late_items: list[Due]
    marks: list[LateMark]

    @property
    def late_phases(self) -> list[PhaseBar]:
        return [p for p in self.phases if p.state == "late"]


@dataclass
class Timeline:
    """The rows on one axis from ``start`` (inclusive) to ``end`` (exclusive)."""

    rows: list[TimelineRow]
    start: dt.date
    end: dt.date
    today: dt.date
    today_x: float
    months: list[Tick] = field(default_factory=list)
    weeks: list[Tick] = field(default_factory=list)
    width: int = CHART_WIDTH

    @property
    def late_count(self) -> int:
        return sum(len(r.late_items) for r in self.rows)


# --- Geometry: plain functions, no ORM -----------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def axis_bounds(dates: list[dt.date], today: dt.date) -> tuple[dt.date, dt.date]:
    """Whole months around every date and today: (first day of the first month, first day of
    the month after the last)."""
    everything = [*dates, today]
    return month_start(min(everything)), next_month(max(everything))


def position(day: dt.date, start: dt.date, end: dt.date) -> float:
    """The x of the start of ``day``, 0 at ``start`` and CHART_WIDTH at ``end``, clamped."""
    span = max((end - start).days, 1)
    x = CHART_WIDTH * (day - start).days / span
    return round(max(0.0, min(float(CHART_WIDTH), x)), 2)


def span(first: dt.date, last: dt.date, start: dt.date, end: dt.date) -> tuple[float, float]:
    """(x, width) of the days ``first`` to ``last`` inclusive; at least a sliver wide."""
    x = position(first, start, end)
    right = position(last + dt.timedelta(days=1), start, end)
    return x, round(max(right - x, 1.0), 2)


def middle(day: dt.date, start: dt.date, end: dt.date) -> float:
    """The x of the middle of ``day`` (where a marker for that day sits)."""
    x, width = span(day, day, start, end)
    return round(x + width / 2, 2)


def month_ticks(start: dt.date, end: dt.date) -> list[Tick]:
    """A tick at each month's first day; labels on every month, or every n-th past a year."""
    months = []
    day = start
    while day < end:
        months.append(day)
        day = next_month(day)
    step = -(-len(months) // MAX_MONTH_LABELS)  # ceiling division
    ticks = []
    for i, day in enumerate(months):
        label = ""
        if i % step == 0:
            label = day.strftime("%b %Y") if i == 0 or day.month == 1 else day.strftime("%b")
        ticks.append(Tick(day, position(day, start, end), label))
    return ticks


def week_ticks(start: dt.date, end: dt.date) -> list[Tick]:
    """A tick at each Monday, when the axis is short enough for them to be read."""
    if (end - start).days > WEEK_TICKS_UP_TO_DAYS:
        return []
    day = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    ticks = []
    while day < end:
        ticks.append(Tick(day, position(day, start, end)))
        day += dt.timedelta(days=7)
    return ticks


def stage_label(use_case: UseCase) -> str:
    if use_case.is_in_plan:
        return f"Phase {use_case.current_phase} of 3: {Phase.NAMES[use_case.current_phase]}"
    return use_case.get_status_display()


# --- The read ------------------------------------------------------------------------------------


def portfolio_timeline(
    organization: Organization,
    *,
    filters: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Timeline:
    """The plans of the organization's use cases that pass the portfolio's filters (see
    :func:`portfolio.selectors.portfolio_rows`), earliest start first, with their late
    workstreams, workstream items and exit criteria (readiness.selectors.due_open).

    A constant number of queries whatever the number of use cases. Callers check access to
    ``organization`` first; nothing here checks permissions.
    """
    today = today or timezone.localdate()
    use_cases = list(
        portfolio_use_cases(organization, filters=filters, today=today)
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("number")))
        .order_by("start_date", "name", "pk")
    )
    late_by_use_case: dict[int, list[Due]] = {}
    if use_cases:
        yesterday = today - dt.timedelta(days=1)
        late = due_open(Q(pk__in=[uc.pk for uc in use_cases]), today=today, until=yesterday)
        people = User.objects.in_bulk({d.owner_id for d in late if d.owner_id is not None})
        for due in late:
            if due.owner_id in people:
                due = replace(due, owner_name=people[due.owner_id].display_name)
            late_by_use_case.setdefault(due.use_case_id, []).append(due)
    dates = [uc.start_date for uc in use_cases]
    for uc in use_cases:
        for phase in uc.phases.all():
            dates += [phase.planned_start, phase.planned_end]
            dates += [d for d in (phase.actual_start, phase.actual_end) if d]
        dates += [d.due_date for d in late_by_use_case.get(uc.pk, [])]
    start, end = axis_bounds(dates, today)
    rows = [_row(uc, late_by_use_case.get(uc.pk, []), start, end, today) for uc in use_cases]
    return Timeline(
        rows=rows,
        start=start,
        end=end,
        today=today,
        today_x=middle(today, start, end),
        months=month_ticks(start, end),
        weeks=week_ticks(start, end),
    )


def _row(
    use_case: UseCase, late: list[Due], start: dt.date, end: dt.date, today: dt.date
) -> TimelineRow:
    bars = []
    for phase in use_case.phases.all():
        x, width = span(phase.planned_start, phase.planned_end, start, end)
        actual_x = actual_width = None
        if phase.actual_start:
            actual_x, actual_width = span(phase.actual_start, phase.actual_end or today, start, end)
        bars.append(
            PhaseBar(
                number=phase.number,
                name=phase.name,
                state=phase.timeline_state(use_case, today),
                planned_start=phase.planned_start,
                planned_end=phase.planned_end,
                actual_start=phase.actual_start,
                actual_end=phase.actual_end,
                x=x,
                width=width,
                actual_x=actual_x,
                actual_width=actual_width,
            )
        )
    by_day: dict[dt.date, list[Due]] = {}
    for due in late:
        by_day.setdefault(due.due_date, []).append(due)
    marks = [
        LateMark(day, middle(day, start, end), tuple(items))
        for day, items in sorted(by_day.items())
    ]
    return TimelineRow(use_case, stage_label(use_case), bars, late, marks)
