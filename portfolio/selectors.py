"""The executive portfolio read: every use case of an organization, filtered, sorted and paged.

:func:`portfolio_rows` is the one read behind the dashboard, its API, the printable report and
the weekly digest. It reads each use case's stored judgement (:mod:`portfolio.stored`: verdict,
score, blockers, scorecard levels, kept up to date when their inputs change); a row of the
page that is stale (missing, marked by a change, judged for another day) is judged again for
display, so what it shows always equals a fresh evaluation. Filters and sorts (verdict, score, blockers, name, team, phase, risk, priority) run
in SQL on the stored columns, and only one page of rows is built. Query count is constant
whatever the number of use cases.

The scale case of one use case (the scale page, its API and the scale decision) reads
:func:`portfolio_row`, :func:`scale_blockers` and :func:`scale_decisions`, which judge afresh.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from portfolio import stored
from portfolio.models import ReadinessMark, ScaleDecision
from portfolio.rows import (
    PHASES,
    READY_NEXT_GATE,
    READY_TO_SCALE,
    VERDICTS,
    PortfolioRow,
    build_rows,
    rows_from_judged,
)
from readiness import gate
from readiness.models import (
    Organization,
    RiskTier,
    UseCase,
    UseCaseStatus,
)
from readiness.selectors import IN_PLAN, late_phase_exists
from readiness.selectors.state import once_per_state

PAGE_SIZE = 25

_RISK_ORDER = Case(
    *[When(risk_tier=value, then=Value(i)) for i, value in enumerate(RiskTier.values)],
    default=Value(len(RiskTier.values)),
    output_field=IntegerField(),
)
# Lifecycle position: phase 1-3 in the plan, then production (4), scaled (5), retired (6).
_STAGE = Case(
    When(status__in=IN_PLAN, then="current_phase"),
    When(status=UseCaseStatus.PRODUCTION, then=Value(4)),
    When(status=UseCaseStatus.SCALED, then=Value(5)),
    default=Value(6),
    output_field=IntegerField(),
)

# Sort key (as in ?sort=) -> ordering, all in SQL, on the stored readiness (portfolio.stored)
# for verdict, score and blockers.
SORTS: dict[str, tuple[str, ...]] = {
    "verdict": ("stored_readiness__verdict_order", "stage", "name"),
    "name": ("name",),
    "team": ("team", "name"),
    "phase": ("stage", "start_date", "name"),
    "risk": ("risk_order", "name"),
    "priority": ("priority_score", "name"),
    "score": ("stored_readiness__score", "name"),
    "blockers": ("stored_readiness__blockers", "name"),
}
DEFAULT_SORT = "verdict"


@dataclass
class Portfolio:
    """One page of rows (or all of them, with ``page=None``) and where it sits in the whole."""

    rows: list[PortfolioRow]
    count: int
    page: int
    num_pages: int
    page_size: int
    sort: str
    filters: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[PortfolioRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    # Page-like names, so the shared pagination partial renders a Portfolio as a Django Page.
    @property
    def number(self) -> int:
        return self.page

    @property
    def paginator(self) -> Portfolio:
        return self

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_page_number(self) -> int:
        return self.page - 1

    @property
    def next_page_number(self) -> int:
        return self.page + 1


def clean_filters(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Only the known filters with usable values (team, phase, verdict, risk_tier, q)."""
    raw = raw or {}
    out: dict[str, str] = {}
    for key in ("team", "q"):
        value = str(raw.get(key) or "").strip()
        if value:
            out[key] = value
    phase = str(raw.get("phase") or "")
    if phase in PHASES:
        out["phase"] = phase
    verdict = str(raw.get("verdict") or "")
    if verdict in VERDICTS:
        out["verdict"] = verdict
    risk = str(raw.get("risk_tier") or "")
    if risk in RiskTier.values:
        out["risk_tier"] = risk
    return out


def _base(organization: Organization, filters: dict[str, str], today: dt.date) -> QuerySet[UseCase]:
    qs = (
        UseCase.objects.filter(organization=organization)
        .select_related("organization", "owner")
        .annotate(
            has_late_phase=late_phase_exists(today),
            risk_order=_RISK_ORDER,
            stage=_STAGE,
        )
    )
    if "q" in filters:
        q = filters["q"]
        qs = qs.filter(Q(name__icontains=q) | Q(team__icontains=q) | Q(workflow__icontains=q))
    if "team" in filters:
        qs = qs.filter(team=filters["team"])
    if "risk_tier" in filters:
        qs = qs.filter(risk_tier=filters["risk_tier"])
    phase = filters.get("phase")
    if phase in ("1", "2", "3"):
        qs = qs.filter(status__in=IN_PLAN, current_phase=int(phase))
    elif phase:
        qs = qs.filter(status=phase)
    if "verdict" in filters:
        qs = qs.filter(stored_readiness__verdict=filters["verdict"])
    return qs


def _ordering(sort: str) -> list[str]:
    key = sort.removeprefix("-")
    fields = SORTS[key]
    if sort.startswith("-"):
        return [f"-{fields[0]}", *fields[1:], "pk"]
    return [*fields, "pk"]


def ready_ids(organization: Organization, today: dt.date | None = None) -> dict[str, set[int]]:
    """Ids of the organization's use cases ready to scale, and ready for their next gate:
    worked out once per state of the portfolio (:func:`portfolio_state`) and shared by the
    readers who see it (every member's home page reads them)."""
    today = today or timezone.localdate()
    key = f"portfolio:ready:{organization.pk}:{portfolio_state(organization, today)}"
    return once_per_state(key, lambda: _ready_ids(organization, today))


def _ready_ids(organization: Organization, today: dt.date) -> dict[str, set[int]]:
    verdicts = stored.verdicts_for(UseCase.objects.filter(organization=organization), today)
    out: dict[str, set[int]] = {READY_TO_SCALE: set(), READY_NEXT_GATE: set()}
    for pk, verdict in verdicts.items():
        if verdict in out:
            out[verdict].add(pk)
    return out


def _rows(qs: QuerySet[UseCase], today: dt.date) -> list[PortfolioRow]:
    use_cases = list(stored.with_marks(qs.select_related("stored_readiness")))
    return rows_from_judged(use_cases, stored.judged_for(use_cases, today), today)


def portfolio_use_cases(
    organization: Organization,
    *,
    filters: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> QuerySet[UseCase]:
    """The organization's use cases that pass the portfolio's filters (as :func:`portfolio_rows`
    reads them), unordered and unjudged: for pages that show the same selection differently
    (the portfolio timeline). The verdict filter reads the stored judgements, made fresh first
    as :func:`portfolio_rows` does. Callers check access to ``organization`` first."""
    today = today or timezone.localdate()
    stored.ensure_fresh(UseCase.objects.filter(organization=organization), today)
    return _base(organization, clean_filters(filters), today)


def portfolio_rows(
    organization: Organization,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str = DEFAULT_SORT,
    page: int | None = 1,
    page_size: int = PAGE_SIZE,
    today: dt.date | None = None,
) -> Portfolio:
    """The organization's portfolio, filtered, sorted and paginated.

    ``filters``: ``team``, ``phase`` (1, 2, 3, production, scaled, retired), ``verdict`` (a
    key of VERDICTS), ``risk_tier``, ``q`` (name, team or workflow contains); unknown keys and
    values are ignored. ``sort``: a key of SORTS, ``-`` for descending; unknown falls back to
    the default (verdict: ready to scale first, then ready for the next gate, pilot mode,
    scaled, retired). ``page``: 1-based, clamped to the last page; ``None`` returns every row
    (the printable report, the digest).

    A constant number of queries; nothing is judged but the stale rows of the page (see
    :func:`portfolio.stored.judged_for`). Callers check access to
    ``organization`` first; nothing here checks permissions.
    """
    today = today or timezone.localdate()
    clean = clean_filters(filters)
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    stored.ensure_fresh(UseCase.objects.filter(organization=organization), today)
    qs = _base(organization, clean, today).order_by(*_ordering(sort))
    if page is None:
        rows = _rows(qs, today)
        return Portfolio(rows, len(rows), 1, 1, max(len(rows), 1), sort, clean)
    count = qs.count()
    num_pages = max(1, math.ceil(count / page_size))
    number = min(max(1, int(page)), num_pages)
    start = (number - 1) * page_size
    rows = _rows(qs[start : start + page_size], today)
    return Portfolio(rows, count, number, num_pages, page_size, sort, clean)


def portfolio_state(organization: Organization, today: dt.date | None = None) -> str:
    """The state of the organization's portfolio (:func:`organization_state`),
    read after the in-process recompute that :func:`portfolio_rows` would make (without a
    broker), so that a table rendered now is kept under the state it shows."""
    today = today or timezone.localdate()
    stored.ensure_fresh(UseCase.objects.filter(organization=organization), today)
    return organization_state(organization.pk, today)


def organization_state(organization_id: int, today: dt.date) -> str:
    """What the organization's portfolio is read from, in one line: its use cases (how many,
    the last id, the sum of their row versions), their stored rows (how many, judged when
    last), the changes marked since (how many, the latest) and the day. Any committed change
    that a portfolio row shows moves it: an edit of a use case moves its version; every other
    audited change, and every roll-up, leaves a mark; a recompute deletes marks only while it
    rewrites rows, which moves the last judged time. Two queries.

    A page rendered after reading this state is at least as fresh as the state, so readers
    who see the same state may share it (``portfolio.views.dashboard``). Not covered: a
    person's name (an owner's) changed in their profile, which shows once the shared page
    expires (:data:`readiness.selectors.state.SHARED_SECONDS`)."""
    use_cases = UseCase.objects.filter(organization_id=organization_id).order_by()
    facts = use_cases.aggregate(
        n=Count("pk"),
        last=Max("pk"),
        versions=Sum("version"),
        judged=Count("stored_readiness"),
        judged_at=Max("stored_readiness__computed_at"),
    )
    marks = (
        ReadinessMark.objects.filter(use_case_id__in=use_cases.values("pk"))
        .order_by()
        .aggregate(n=Count("pk"), last=Max("pk"))
    )
    judged_at = facts["judged_at"].isoformat() if facts["judged_at"] else "-"
    return (
        f"{today.isoformat()}:{facts['n']}:{facts['last']}:{facts['versions']}:"
        f"{facts['judged']}:{judged_at}:{marks['n']}:{marks['last']}"
    )


def portfolio_teams(organization: Organization) -> list[str]:
    """Distinct team names, for the team filter."""
    return list(
        UseCase.objects.filter(organization=organization)
        .order_by("team")
        .values_list("team", flat=True)
        .distinct()
    )


def portfolio_row(use_case: UseCase, today: dt.date | None = None) -> PortfolioRow:
    """One use case's row, freshly read: the scale page and the scale decision use it."""
    today = today or timezone.localdate()
    uc = _base(use_case.organization, {}, today).get(pk=use_case.pk)
    return build_rows([uc], today)[0]


def scale_blockers(use_case: UseCase) -> tuple[list[gate.Blocker], dict[str, Any]]:
    """What keeps the use case from a scale decision (flagged answers first, then the scale
    gate's blockers), and the evidence as it stands now, for the audit record."""
    row = portfolio_row(use_case)
    blockers = [
        gate.Blocker(
            code="scale_answer_flagged",
            message=f"{q.question} {' '.join(q.reasons)}",
            source=q.parts[0].source if q.parts else "readiness",
            url=q.parts[0].evidence[0].url if q.parts and q.parts[0].evidence else "",
            detail={"question": q.key},
        )
        for q in row.flagged_questions
    ]
    if use_case.status == UseCaseStatus.PRODUCTION:
        blockers += row.blockers
    else:
        blockers += gate.evaluate(use_case, gate.SCALE)
    evidence = {
        "score": row.score.total,
        "score_breakdown": [
            {"part": p.key, "points": round(p.points, 1), "of": round(p.max_points, 1)}
            for p in row.score.parts
        ],
        "answers": [
            {
                "question": q.key,
                "flagged": q.flagged,
                "parts": [
                    {
                        "source": a.source,
                        "text": a.text,
                        "flagged": a.flagged,
                        "reason": a.reason,
                        "evidence": [{"label": e.label, "url": e.url} for e in a.evidence],
                    }
                    for a in q.parts
                ],
            }
            for q in row.answers
        ],
        "blockers": [b.message for b in blockers],
        "governance": asdict(row.governance),
        "scorecard": {level: str(status) for level, status in row.scorecard.items()},
    }
    return blockers, evidence


def scale_decisions(use_case: UseCase) -> QuerySet[ScaleDecision]:
    """The use case's scale decisions, newest first, with who took them."""
    return (
        ScaleDecision.objects.filter(use_case=use_case)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )
