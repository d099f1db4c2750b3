"""The rules of the leadership scorecards: pure functions, no ORM, tested on their own.

Definitions the pages, the exports and the executive pages share:

* **The period** judged is the last *complete* ISO week (Monday to Sunday, UTC) that has a
  weekly roll-up, within the 90 days the scorecard covers: a week still in progress would swing
  with the day of the week it is read on.
* **The headline figure** of a period is the rate for rates, the median (p50) or the 95th
  percentile (p95) for measured values, as the organization chooses
  (``Organization.measured_statistic``), and the *daily average* for counts (targets of counts, like throughput, are per day;
  a week's sum would be seven times the target).
* **The sample size** is the trials for rates, the *days with samples* for counts (a count is
  judged on the daily totals it adds up to, so what matters is how many days it covers, not
  how many reports made them up), and the number of samples otherwise.
* **Status**: ``not enough data`` below the minimum sample size (``METRICS_SCORECARD_MIN_DAYS``
  days, 7 by default, for counts); else ``on target`` when the
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

from readiness import display

TREND_DAYS = 90
DEFAULT_MIN_SAMPLES = 25
DEFAULT_MIN_DAYS = 7


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
    p95: float | None = None,
    statistic: str = "p50",
) -> float | None:
    """The figure a period is judged on (``kind`` is a MetricKind value; ``statistic`` the
    organization's choice for measured values, p50 or p95)."""
    if kind == "rate":
        return rate
    if kind == "count":
        return None if total is None else total / period_days
    return p95 if statistic == "p95" else p50


def sample_size(kind: str, *, count: int, trials: float | None, days: int | None = None) -> float:
    """Trials for rates, days with samples for counts, samples for measured values."""
    if kind == "rate":
        return float(trials or 0)
    if kind == "count":
        return float(days or 0)
    return float(count or 0)


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


def format_value(kind: str, unit: str, value: float | None, *, with_unit: bool = True) -> str:
    """A figure as people read it: rates as percentages (one decimal), others in their unit's
    precision (``readiness.display``): 9.3 h, 0.09 USD, 1,204 cases/day. ``with_unit=False``
    for tables that state the unit once (rates keep their percent sign)."""
    if value is None:
        return "—"
    if kind == "rate":
        return display.format_quantity(100 * value, "%")
    label = unit_label(kind, unit) if with_unit else ""
    number = display.format_number(value, "count" if kind == "count" else unit)
    return f"{number} {label}" if label else number


def format_change(kind: str, unit: str, change: Change | None, *, with_unit: bool = True) -> str:
    """E.g. ``+12.0 pts (+24%)`` for a rate, ``-24.5 h (-82%)`` for a measured value (shown
    with a true minus sign)."""
    if change is None:
        return "—"
    if kind == "rate":
        main = f"{display.format_number(100 * change.absolute, '%', signed=True)} pts"
    else:
        label = unit_label(kind, unit) if with_unit else ""
        number = display.format_number(
            change.absolute, "count" if kind == "count" else unit, signed=True
        )
        main = f"{number} {label}" if label else number
    if change.relative is None:
        return main
    return f"{main} ({display.format_number(100 * change.relative, 'count', signed=True)}%)"


# The age of figures


def age_text(moment: dt.datetime, *, now: dt.datetime) -> str:
    """How long ago: ``just now``, ``2 min ago``, ``3 h ago``, ``4 days ago``."""
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def computed_text(moment: dt.datetime, *, now: dt.datetime) -> str:
    """``computed at 14:05 UTC, 2 min ago`` (with the day when it is not today's, UTC), for a
    page rendered now."""
    moment, now = moment.astimezone(dt.UTC), now.astimezone(dt.UTC)
    when = f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%-d %b %Y %H:%M}"
    return f"computed at {when} UTC, {age_text(moment, now=now)}"


def computed_at_text(moment: dt.datetime) -> str:
    """``computed at 14:05 UTC on 4 Mar 2026``: for text that is kept and read later (gate
    messages are audited with a refusal and stored with a use case's readiness), where "2 min
    ago" would go stale."""
    moment = moment.astimezone(dt.UTC)
    return f"computed at {moment:%H:%M} UTC on {moment:%-d %b %Y}"


# Which statistic a measured metric's scorecard reports (an organization's choice).
MEASURED_STATISTICS = {"p50": "median (p50)", "p95": "95th percentile (p95)"}


def statistic_label(kind: str, measured_statistic: str) -> str:
    """What a scorecard's figure is, in words: the rate, the daily average, or the percentile
    the organization chose for measured values."""
    if kind == "rate":
        return "rate (successes over trials)"
    if kind == "count":
        return "daily average"
    return MEASURED_STATISTICS.get(measured_statistic, MEASURED_STATISTICS["p50"])
