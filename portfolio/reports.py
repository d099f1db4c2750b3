"""The leadership report: the portfolio and one use case, printable, and the portfolio as CSV
and XLSX.

Everything reads through :func:`portfolio.selectors.portfolio_rows` (the dashboard's selector),
so the report and the dashboard never disagree. Exports are plain functions over rows: the
columns are defined once (:data:`COLUMNS`) and both formats use them.

PDF: no PDF library is installed, and none is added. The report pages carry print styles
(``static/css/print.css``) so the browser's "Save as PDF" gives a clean document.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from portfolio.models import ScaleDecision
from portfolio.rows import VERDICTS, PortfolioRow
from portfolio.selectors import portfolio_row, portfolio_rows
from readiness.models import AuditEvent, Organization, Phase, UseCase, Workstream
from readiness.text import spreadsheet_cell, xlsx_cell


def _governance(row: PortfolioRow) -> str:
    gov = row.governance
    return f"{gov.done}/{gov.required}"


def _scorecard(row: PortfolioRow) -> str:
    return ", ".join(f"{level}: {status}" for level, status in row.scorecard.items())


# (header, value) for each exported column, in order.
COLUMNS: list[tuple[str, Callable[[PortfolioRow], Any]]] = [
    ("Use case", lambda r: r.use_case.name),
    ("Team", lambda r: r.use_case.team),
    ("Owner", lambda r: r.use_case.owner.email if r.use_case.owner else ""),
    ("Status", lambda r: r.use_case.get_status_display()),
    ("Stage", lambda r: r.stage_label),
    ("Plan day", lambda r: r.day if r.day is not None else ""),
    ("Late", lambda r: r.late_reason),
    ("Risk tier", lambda r: r.use_case.get_risk_tier_display()),
    ("Priority", lambda r: r.use_case.priority_score),
    ("Readiness score", lambda r: r.score.total),
    ("Verdict", lambda r: r.verdict_label),
    ("Next gate", lambda r: r.target.label if r.target else ""),
    ("Open blockers", lambda r: r.open_blockers),
    ("Flagged questions", lambda r: len(r.flagged_questions)),
    ("Governance (approved/required)", _governance),
    ("Scorecard", _scorecard),
    (
        "Last scale decision",
        lambda r: (
            f"{r.last_decision.get_outcome_display()} ({r.last_decision.decided_at:%Y-%m-%d})"
            if r.last_decision
            else ""
        ),
    ),
    ("What to fix", lambda r: "; ".join(reason.text for reason in r.reasons)),
]


def table(rows: Iterable[PortfolioRow]) -> list[list[Any]]:
    """Header then one list of values per row."""
    return [[h for h, _ in COLUMNS], *([get(r) for _, get in COLUMNS] for r in rows)]


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (CSV injection): a leading =, +, - or @
    would otherwise run when the file is opened."""
    return spreadsheet_cell(value)


def portfolio_csv(rows: Iterable[PortfolioRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in table(rows):
        writer.writerow([_safe(v) for v in line])
    return out.getvalue()


def portfolio_xlsx(rows: Iterable[PortfolioRow], *, title: str) -> bytes:
    """A workbook with one sheet: bold frozen header, filters, readable widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Portfolio"
    lines = table(rows)
    for line in lines:
        sheet.append([xlsx_cell(v) for v in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, header in enumerate(lines[0], start=1):
        longest = max(len(str(line[index - 1])) for line in lines)
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(len(header), longest, 8) + 2, 60
        )
    workbook.properties.title = title
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class PortfolioReport:
    organization: Organization
    rows: list[PortfolioRow]
    generated_at: dt.datetime
    filters: dict[str, str]

    @property
    def by_verdict(self) -> list[tuple[str, str, int]]:
        """(key, label, count) for every verdict, in the order an executive reads them."""
        counts = Counter(r.verdict for r in self.rows)
        return [(key, label, counts.get(key, 0)) for key, label in VERDICTS.items()]

    @property
    def average_score(self) -> int | None:
        active = [r.score.total for r in self.rows if r.verdict not in ("retired",)]
        return round(sum(active) / len(active)) if active else None

    @property
    def late(self) -> list[PortfolioRow]:
        return [r for r in self.rows if r.late]


def portfolio_report(
    organization: Organization, *, filters: Mapping[str, Any] | None = None
) -> PortfolioReport:
    """Every use case (filters as on the dashboard), in the dashboard's default order."""
    portfolio = portfolio_rows(organization, filters=filters, page=None)
    return PortfolioReport(organization, portfolio.rows, timezone.now(), portfolio.filters)


@dataclass
class UseCaseReport:
    row: PortfolioRow
    workstreams: Sequence[Workstream]
    phases: list[Phase]
    decisions: list[ScaleDecision]
    history: list[AuditEvent]
    generated_at: dt.datetime

    @property
    def use_case(self) -> UseCase:
        return self.row.use_case


def use_case_report(use_case: UseCase, *, history: int = 15) -> UseCaseReport:
    """One use case for leadership: where it stands, what blocks it, the six answers, the
    workstreams and plan, its scale decisions and its latest recorded changes."""
    row = portfolio_row(use_case)
    workstreams = list(
        Workstream.objects.filter(use_case=use_case)
        .select_related("owner")
        .annotate(n_items=Count("items"), n_done=Count("items", filter=Q(items__done=True)))
        .order_by("number")
    )
    phases = list(Phase.objects.filter(use_case=use_case).order_by("number"))
    decisions = list(
        ScaleDecision.objects.filter(use_case=use_case)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )
    events = list(
        AuditEvent.objects.filter(use_case=use_case)
        .select_related("actor")
        .order_by("-id")[:history]
    )
    return UseCaseReport(row, workstreams, phases, decisions, events, timezone.now())
