"""Scorecards as files: CSV (the csv module) and XLSX (openpyxl).

One row per use case and metric, with the figures in the unit the pages show (rates in
percent, counts per day). Text cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with an apostrophe: a use
case or team name must never become a formula on an executive's machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from metrics.selectors.scorecards import LevelGroup, Line
from metrics.selectors.use_case import UseCaseScorecard
from readiness.models import UseCase
from readiness.text import spreadsheet_cell, xlsx_cell

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

METRIC_COLUMNS = [
    "Level",
    "Level status",
    "Metric",
    "Metric key",
    "Unit",
    "Better when",
    "Week of",
    "Value",
    "Samples",
    "95% interval low",
    "95% interval high",
    "Target",
    "Warning",
    "Baseline",
    "Change since baseline",
    "Change since baseline (%)",
    "Status",
    "Statistic",
    "Computed at (UTC)",
]
USE_CASE_COLUMNS = ["Use case", "Team", "Use case status"]


def safe_text(value: Any) -> Any:
    """Cells as written: text that could start a formula is quoted; other values pass."""
    return spreadsheet_cell(value)


def metric_cells(group: LevelGroup, line: Line) -> list[Any]:
    change = line.change
    return [
        group.label,
        group.status.label,
        line.metric.name,
        line.metric.key,
        line.unit,
        "higher" if line.higher_is_better else "lower",
        line.period_start,
        line.scaled(line.value),
        int(line.samples) if line.period_start else None,
        line.scaled(line.ci_low),
        line.scaled(line.ci_high),
        line.scaled(line.target),
        line.scaled(line.warning),
        line.scaled(line.baseline),
        line.scaled(change.absolute) if change else None,
        round(100 * change.relative, 2) if change and change.relative is not None else None,
        line.status.label,
        line.statistic_label,
        _utc(line.computed_at),
    ]


def _utc(moment: dt.datetime | None) -> str | None:
    """A moment as text in UTC (spreadsheets keep no time zone)."""
    return None if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def use_case_rows(levels: Sequence[LevelGroup]) -> Iterator[list[Any]]:
    for group in levels:
        for line in group.lines:
            yield metric_cells(group, line)


def portfolio_rows(
    cards: Iterable[tuple[UseCase, Sequence[LevelGroup]]],
) -> Iterator[list[Any]]:
    for use_case, levels in cards:
        head = [use_case.name, use_case.team, use_case.get_status_display()]
        for row in use_case_rows(levels):
            yield head + row


def summary_rows(
    cards: Iterable[tuple[UseCase, Sequence[LevelGroup]]],
) -> Iterator[list[Any]]:
    for use_case, levels in cards:
        cells: list[Any] = [use_case.name, use_case.team, use_case.get_status_display()]
        for group in levels:
            cells += [group.status.label, group.on_target, group.targeted]
        yield cells


def summary_columns(levels: Sequence[str]) -> list[str]:
    columns = list(USE_CASE_COLUMNS)
    for label in levels:
        columns += [f"{label} status", f"{label} on target", f"{label} with a target"]
    return columns


def trend_rows(card: UseCaseScorecard) -> Iterator[list[Any]]:
    for line in card.lines:
        for day, value in card.daily.get(line.metric.pk, []):
            partial = "today so far" if card.is_partial("day", day) else ""
            yield [line.metric.name, line.metric.key, line.unit, day, line.scaled(value), partial]


TREND_COLUMNS = ["Metric", "Metric key", "Unit", "Day", "Value", "Partial"]
WEEKLY_COLUMNS = ["Metric", "Metric key", "Unit", "Week of", "Value", "Samples", "Partial"]


def weekly_rows(card: UseCaseScorecard) -> Iterator[list[Any]]:
    for line in card.lines:
        for week, value, samples in card.weekly.get(line.metric.pk, []):
            yield [
                line.metric.name,
                line.metric.key,
                line.unit,
                week,
                line.scaled(value),
                int(samples),
                "week in progress" if card.is_partial("week", week) else "",
            ]


# Writers


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(value)


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, columns, rows), with a bold, frozen header.

    Text is quoted by :func:`readiness.text.xlsx_cell` before openpyxl sees it: openpyxl stores
    any string starting with ``=`` as a formula, and raises on control characters (removed)."""
    workbook = Workbook()
    first = True
    for title, columns, rows in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        sheet.append(list(columns))
        widths = [len(c) for c in columns]
        for row in rows:
            values = [xlsx_cell(v) for v in row]
            sheet.append(values)
            for i, v in enumerate(values):
                if v is not None:
                    widths[i] = max(widths[i], min(40, len(str(v))))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width + 2
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def about_rows(card: UseCaseScorecard) -> Iterator[list[Any]]:
    """When the figures were computed, what they report and what is partial."""
    yield ["Figures", card.computed_text or "no figures yet"]
    yield ["Week judged", f"{card.week.isoformat()} (last complete ISO week, UTC)"]
    yield ["Measured metrics report", card.statistic_label]
    yield ["Partial", f"today ({card.today.isoformat()}) so far, and the week in progress"]


def use_case_export(use_case: UseCase, card: UseCaseScorecard, fmt: str) -> bytes:
    columns = METRIC_COLUMNS
    if fmt == "csv":
        return to_csv(columns, use_case_rows(card.levels))
    return to_xlsx(
        [
            ("Scorecard", columns, use_case_rows(card.levels)),
            ("Weekly figures", WEEKLY_COLUMNS, weekly_rows(card)),
            ("Daily trend", TREND_COLUMNS, trend_rows(card)),
            ("About these figures", ["About", "Value"], about_rows(card)),
        ]
    )


def portfolio_export(cards: Sequence[tuple[UseCase, Sequence[LevelGroup]]], fmt: str) -> bytes:
    columns = USE_CASE_COLUMNS + METRIC_COLUMNS
    if fmt == "csv":
        return to_csv(columns, portfolio_rows(cards))
    level_labels = [g.label for g in cards[0][1]] if cards else []
    return to_xlsx(
        [
            ("Summary", summary_columns(level_labels), summary_rows(cards)),
            ("Metrics", columns, portfolio_rows(cards)),
        ]
    )
