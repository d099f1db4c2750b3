"""The rules of the leadership scorecards: pure functions, no ORM, tested on their own.

Definitions the pages, the exports and the executive pages share:

* **The period** judged is the last *complete* ISO week (Monday to Sunday, UTC) that has a
  weekly roll-up, within the 90 days the scorecard covers: a week still in progress would swing
  with the day of the week it is read on.
* **The headline figure** of a period is the rate for rates, the median (p50) for measured
  values, and the *daily average* for counts (targets of counts, like throughput, are per day;
  a week's sum would be seven times the target).
* **The sample size** is the trials for rates and the number of samples otherwise.
* **Status**: ``not enough data`` below the minimum sample size; else ``on target`` when the
  figure meets the target, ``at risk`` when it misses it but stays within the warning threshold,
  ``off target`` past the warning (or past the target when there is no warning). A metric with
  no target has no status (``no target``). The scorecard judges the point figure; the metric
  gate (:mod:`metrics.checks`) is stricter and judges the confidence interval.
* **A level's status** (system, quality, business) is the worst status among its metrics that
  have a target and enough data; ``not enough data`` when none has enough data, ``no target``
  when none has a target.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

TREND_DAYS = 90
DEFAULT_MIN_SAMPLES = 25


class Status(models.TextChoices):
    ON_TARGET = "on_target", "On target"
    AT_RISK = "at_risk", "At risk"
    OFF_TARGET = "off_target", "Off target"
    NO_DATA = "no_data", "Not enough data"
    NO_TARGET = "no_target", "No target"


# Worse is higher; only judged statuses take part in a level's worst-of.
_SEVERITY = {Status.ON_TARGET: 1, Status.AT_RISK: 2, Status.OFF_TARGET: 3}
# Sorting a table "worst first": judged statuses by severity, then unjudged ones.
STATUS_ORDER = {
    Status.OFF_TARGET: 0,
    Status.AT_RISK: 1,
    Status.NO_DATA: 2,
    Status.ON_TARGET: 3,
    Status.NO_TARGET: 4,
}

# The CSS badge class of each status (see static/css/app.css).
BADGE = {
    Status.ON_TARGET: "badge-ok",
    Status.AT_RISK: "badge-warn",
    Status.OFF_TARGET: "badge-bad",
    Status.NO_DATA: "badge-info",
    Status.NO_TARGET: "badge-none",  # the plain grey badge
}


def status(
    value: float | None,
    *,
    target: float | None,
    warning: float | None,
    higher_is_better: bool,
    sample_size: float,
    min_samples: int,
) -> Status:
    """The status of one figure against its target and warning threshold.

    ``warning`` lies on the bad side of ``target`` (the target service enforces it); a warning
    on the wrong side is ignored rather than trusted, so the figure is then only on or off target.
    """
    if target is None:
        return Status.NO_TARGET
    if value is None or math.isnan(value) or sample_size < min_samples:
        return Status.NO_DATA
    if higher_is_better:
        if value >= target:
            return Status.ON_TARGET
        if warning is not None and warning <= target and value >= warning:
            return Status.AT_RISK
        return Status.OFF_TARGET
    if value <= target:
        return Status.ON_TARGET
    if warning is not None and warning >= target and value <= warning:
        return Status.AT_RISK
    return Status.OFF_TARGET


def level_status(statuses: Iterable[Status]) -> Status:
    """The worst judged status of a level's metrics (see the module docstring)."""
    judged: list[Status] = []
    targeted = False
    for s in statuses:
        if s == Status.NO_TARGET:
            continue
        targeted = True
        if s != Status.NO_DATA:
            judged.append(s)
    if judged:
        return max(judged, key=_SEVERITY.__getitem__)
    return Status.NO_DATA if targeted else Status.NO_TARGET


@dataclass(frozen=True)
class Change:
    """The latest figure against the baseline measured before the AI.

    ``absolute`` is in the metric's own unit (a fraction for rates); ``relative`` is the change
    over the baseline's magnitude (None for a zero baseline); ``improved`` says whether the
    change goes the metric's better way (None when there is no change).
    """

    absolute: float
    relative: float | None
    improved: bool | None


def change_since_baseline(
    value: float | None, baseline: float | None, *, higher_is_better: bool
) -> Change | None:
    if value is None or baseline is None or math.isnan(value) or math.isnan(baseline):
        return None
    absolute = value - baseline
    relative = absolute / abs(baseline) if baseline else None
    improved = None if absolute == 0 else (absolute > 0) == higher_is_better
    return Change(absolute=absolute, relative=relative, improved=improved)


def headline(
    kind: str,
    *,
    rate: float | None,
    p50: float | None,
    total: float | None,
    period_days: int,
) -> float | None:
    """The figure a period is judged on (``kind`` is a MetricKind value)."""
    if kind == "rate":
        return rate
    if kind == "count":
        return None if total is None else total / period_days
    return p50


def sample_size(kind: str, *, count: int, trials: float | None) -> float:
    return float(trials or 0) if kind == "rate" else float(count or 0)


def last_complete_week(today: dt.date) -> dt.date:
    """The Monday of the last ISO week that has ended by ``today`` (UTC)."""
    return today - dt.timedelta(days=today.weekday() + 7)


def window_start(today: dt.date) -> dt.date:
    """The first day of the trend window: ``TREND_DAYS`` days ending today."""
    return today - dt.timedelta(days=TREND_DAYS - 1)


# Formatting


def unit_label(kind: str, unit: str) -> str:
    """The unit as shown next to figures: percent for rates, per day for counts."""
    if kind == "rate":
        return "%"
    if kind == "count":
        return f"{unit}/day" if unit else "per day"
    return unit


def format_value(kind: str, unit: str, value: float | None) -> str:
    """A figure as people read it: rates as percentages, others with their unit."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100 * value:.1f}%"
    label = unit_label(kind, unit)
    return f"{value:,.4g} {label}".rstrip() if label else f"{value:,.4g}"


def format_change(kind: str, unit: str, change: Change | None) -> str:
    """E.g. ``+12.0 pts (+24%)`` for a rate, ``-24.5 h (-82%)`` for a measured value (shown
    with a true minus sign)."""
    if change is None:
        return "—"
    if kind == "rate":
        main = f"{_signed(100 * change.absolute, '.1f')} pts"
    else:
        label = unit_label(kind, unit)
        main = f"{_signed(change.absolute, ',.4g')}{f' {label}' if label else ''}"
    if change.relative is None:
        return main
    return f"{main} ({_signed(100 * change.relative, '.0f')}%)"


def _signed(number: float, spec: str) -> str:
    """The number with an explicit sign (a true minus), none when it rounds to zero."""
    text = format(abs(number), spec)
    if float(text.replace(",", "")) == 0:
        return text
    return f"+{text}" if number > 0 else f"\u2212{text}"
