"""Pure helpers of the benchmark: percentiles, timing and the result table. No Django here."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

PASS = "PASS"  # noqa: S105 (a verdict, not a password)
MISS = "MISS"
INFO = "-"
ERROR = "ERROR"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) by linear interpolation between the closest ranks.

    The same definition as PostgreSQL's ``percentile_cont`` and numpy's default. Raises
    ValueError for no values or ``q`` outside [0, 1].
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return float(ordered[lower])
    fraction = position - lower
    return float(ordered[lower] + (ordered[upper] - ordered[lower]) * fraction)


def median(values: Sequence[float]) -> float:
    return percentile(values, 0.5)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...``; ``elapsed()`` gives seconds so far, then the total."""
    start = time.perf_counter()
    end: float | None = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


@dataclass(frozen=True)
class Figure:
    """One line of the result table.

    ``value`` None means the figure could not be measured (``note`` says why); ``failed``
    marks a measurement that went wrong, which fails the run. ``limit`` and
    ``higher_is_better`` make the PASS/MISS verdict; without a limit the line is informational.
    """

    section: str
    name: str
    value: float | None
    unit: str = ""
    limit: float | None = None
    higher_is_better: bool = False
    note: str = ""
    failed: bool = False  # the measurement itself failed (the note says how)

    @property
    def verdict(self) -> str:
        if self.failed:
            return ERROR
        if self.value is None or self.limit is None:
            return INFO
        if self.higher_is_better:
            return PASS if self.value >= self.limit else MISS
        return PASS if self.value <= self.limit else MISS

    @property
    def target(self) -> str:
        if self.limit is None:
            return ""
        return f"{'>=' if self.higher_is_better else '<='} {format_number(self.limit)}"


def format_number(value: float | None) -> str:
    """Thousands separators for big numbers, three significant decimals for small ones."""
    if value is None:
        return "n/a"
    if value != value:  # NaN
        return "n/a"
    magnitude = abs(value)
    if float(value).is_integer() and magnitude < 1000:
        return f"{value:.0f}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if magnitude < 1 else f"{value:.2f}"


def format_table(figures: Sequence[Figure]) -> str:
    """The figures as a fixed-width text table, grouped by section, one verdict per line."""
    header = ("figure", "value", "unit", "target", "result", "note")
    rows: list[tuple[str, ...]] = []
    for figure in figures:
        rows.append(
            (
                f"{figure.section}: {figure.name}",
                "error"
                if figure.failed
                else format_number(figure.value)
                if figure.value is not None
                else "not available",
                figure.unit,
                figure.target,
                figure.verdict,
                figure.note,
            )
        )
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header) - 1)]

    def line(cells: tuple[str, ...]) -> str:
        left, value, unit, target, verdict, note = cells
        text = (
            f"{left:<{widths[0]}}  {value:>{widths[1]}}  {unit:<{widths[2]}}  "
            f"{target:<{widths[3]}}  {verdict:<{widths[4]}}  {note}"
        )
        return text.rstrip()

    rule = "-" * (sum(widths) + 2 * len(widths) + len("note"))
    out = [line(header), rule]
    section = None
    for figure, row in zip(figures, rows, strict=True):
        if section is not None and figure.section != section:
            out.append("")
        section = figure.section
        out.append(line(row))
    return "\n".join(out)


def summary_line(figures: Sequence[Figure]) -> str:
    verdicts = [f.verdict for f in figures]
    missing = sum(1 for f in figures if f.value is None and not f.failed)
    text = (
        f"{verdicts.count(PASS)} passed, {verdicts.count(MISS)} missed, "
        f"{missing} not available, of {sum(1 for f in figures if f.limit is not None)} targets"
    )
    if verdicts.count(ERROR):
        text += f"; {verdicts.count(ERROR)} measurement(s) failed"
    return text
