"""The executive portfolio: every use case with where it stands and whether it may scale.

:func:`portfolio_rows` is the one read behind the dashboard, its API, the printable report and
the weekly digest. Each row carries the use case's phase and day in the 90-day plan (late ones
flagged), its readiness score with the breakdown (:mod:`readiness.readiness_score`), its verdict
with the reasons, its open blockers, governance progress and scorecard status (from the apps'
portfolio contributors) and the six answers' flags.

Verdicts:

* ``scaled``: the use case's status is scaled (``retired`` ones have their own verdict);
* ``ready_to_scale``: in production, every one of the six questions answered without a flag,
  and the scale gate (``readiness.gate.SCALE``) has no blocker;
* ``ready_next_gate``: in the 90-day plan and its next gate has no blocker;
* ``pilot_mode``: anything else, with the reasons (flagged answers and blockers).

Query count is constant whatever the number of use cases: the gate is asked through
:func:`readiness.gate.evaluate_many`, the answers through
:func:`readiness.contrib.scale_answers_many`, the facts through
:func:`readiness.contrib.portfolio_facts`, all of which run their checks in bulk. Python work
is bounded too: filters and sorts run in SQL and only one page of use cases is evaluated, plus
the few use cases that *could* be ready (see :func:`_candidates`), which the verdict filter and
the verdict sort need. The score is shown, not sorted on: sorting on it would mean evaluating
every use case on every request.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from readiness import contrib, gate
from readiness.contrib import QuestionAnswer, org_pk_url
from readiness.gate import Blocker, Target
from readiness.models import (
    PLAN_LENGTH_DAYS,
    ChecklistItem,
    Integration,
    IntegrationStatus,
    Organization,
    Phase,
    RiskTier,
    ScaleDecision,
    UseCase,
    UseCaseStatus,
)
from readiness.readiness_score import Score, readiness_score
from readiness.selectors import IN_PLAN, late_phase_exists

PAGE_SIZE = 25

PILOT_MODE = "pilot_mode"
READY_NEXT_GATE = "ready_next_gate"
READY_TO_SCALE = "ready_to_scale"
SCALED = "scaled"
RETIRED = "retired"
# In the order an executive reads them: what to decide first.
VERDICTS: dict[str, str] = {
    READY_TO_SCALE: "Ready to scale",
    READY_NEXT_GATE: "Ready for its next gate",
    PILOT_MODE: "Pilot mode",
    SCALED: "Scaled",
    RETIRED: "Retired",
}
VERDICT_BADGES = {
    READY_TO_SCALE: "badge-ok",
    READY_NEXT_GATE: "badge-info",
    PILOT_MODE: "badge-warn",
    SCALED: "badge-scaled",
    RETIRED: "",
}
SCORECARD_BADGES = {"on_target": "badge-ok", "at_risk": "badge-warn", "off_target": "badge-bad"}
SCORECARD_LEVELS = {"system": "System", "quality": "Quality", "business": "Business"}

# Where a use case may be, for the phase filter: its plan phase, or past the plan.
PHASES: dict[str, str] = {
    "1": f"Phase 1: {Phase.NAMES[1]}",
    "2": f"Phase 2: {Phase.NAMES[2]}",
    "3": f"Phase 3: {Phase.NAMES[3]}",
    "production": "Production",
    "scaled": "Scaled",
    "retired": "Retired",
}

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

# Sort key (as in ?sort=) -> ordering, all in SQL; "verdict_order" is annotated from the few
# use cases that could be ready (see _ready_ids).
SORTS: dict[str, tuple[str, ...]] = {
    "verdict": ("verdict_order", "stage", "name"),
    "name": ("name",),
    "team": ("team", "name"),
    "phase": ("stage", "start_date", "name"),
    "risk": ("risk_order", "name"),
    "priority": ("priority_score", "name"),
}
DEFAULT_SORT = "verdict"


@dataclass(frozen=True)
class Reason:
    """Why a use case is in pilot mode: a flagged answer or a blocker, with where to fix it."""

    text: str
    url: str = ""
    kind: str = "blocker"  # or "answer"


@dataclass
class PortfolioRow:
    use_case: UseCase
    day: int | None  # day of the 90-day plan while in it
    late: bool
    late_reason: str
    target: Target | None
    blockers: list[Blocker]
    answers: list[QuestionAnswer]
    facts: dict[str, Any]
    score: Score
    verdict: str
    reasons: list[Reason]
    last_decision: ScaleDecision | None
    url: str
    scale_url: str

    @property
    def pk(self) -> int:
        return self.use_case.pk

    @property
    def verdict_label(self) -> str:
        return VERDICTS[self.verdict]

    @property
    def verdict_badge(self) -> str:
        return VERDICT_BADGES[self.verdict]

    @property
    def score_summary(self) -> str:
        """The breakdown in one line, e.g. "Exit criteria 20 of 20; Workstreams 5 of 20; ..."."""
        return "; ".join(
            f"{p.label} {round(p.points)} of {round(p.max_points)}" for p in self.score.parts
        )

    @property
    def score_band(self) -> str:
        total = self.score.total
        return "high" if total >= 75 else "medium" if total >= 50 else "low"

    @property
    def scorecard_cells(self) -> list[dict[str, str]]:
        """Each level's status for display: level, status key, its label and badge class."""
        card = self.scorecard
        if card is None:
            return []
        cells = []
        for level, level_label in SCORECARD_LEVELS.items():
            status = card.get(level) or "no_data"
            label = getattr(status, "label", None) or str(status).replace("_", " ").capitalize()
            cells.append(
                {
                    "level": level_label,
                    "status": str(status),
                    "label": label,
                    "badge": SCORECARD_BADGES.get(str(status), ""),
                }
            )
        return cells

    @property
    def open_blockers(self) -> int:
        return len(self.blockers)

    @property
    def flagged_questions(self) -> list[QuestionAnswer]:
        return [a for a in self.answers if a.flagged]

    @property
    def governance(self) -> dict[str, Any] | None:
        return self.facts.get("governance")

    @property
    def scorecard(self) -> dict[str, Any] | None:
        return self.facts.get("scorecard")

    @property
    def stage_label(self) -> str:
        uc = self.use_case
        if uc.is_in_plan:
            return f"Phase {uc.current_phase}: {Phase.NAMES[uc.current_phase]}"
        return uc.get_status_display()

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON (API, digest)."""
        uc = self.use_case
        return {
            "id": uc.pk,
            "name": uc.name,
            "team": uc.team,
            "status": uc.status,
            "risk_tier": uc.risk_tier,
            "owner": uc.owner.email if uc.owner else None,
            "phase": uc.current_phase if uc.is_in_plan else None,
            "stage": self.stage_label,
            "day": self.day,
            "late": self.late,
            "late_reason": self.late_reason,
            "score": self.score.total,
            "score_breakdown": [
                {
                    "key": p.key,
                    "label": p.label,
                    "points": round(p.points, 1),
                    "max_points": round(p.max_points, 1),
                    "detail": p.detail,
                }
                for p in self.score.parts
            ],
            "verdict": self.verdict,
            "verdict_label": self.verdict_label,
            "reasons": [{"kind": r.kind, "text": r.text, "url": r.url} for r in self.reasons],
            "gate": self.target.key if self.target else None,
            "open_blockers": self.open_blockers,
            "flagged_questions": [a.key for a in self.flagged_questions],
            "governance": self.governance,
            "scorecard": self.scorecard,
            "last_decision": (
                {
                    "outcome": self.last_decision.outcome,
                    "decided_at": self.last_decision.decided_at.isoformat(),
                    "revisit_on": (
                        self.last_decision.revisit_on.isoformat()
                        if self.last_decision.revisit_on
                        else None
                    ),
                }
                if self.last_decision
                else None
            ),
            "url": self.url,
            "scale_url": self.scale_url,
        }


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
    # A verdict can only come from some statuses: narrow in SQL before asking the gate.
    verdict = filters.get("verdict")
    if verdict == SCALED:
        qs = qs.filter(status=UseCaseStatus.SCALED)
    elif verdict == RETIRED:
        qs = qs.filter(status=UseCaseStatus.RETIRED)
    elif verdict == READY_TO_SCALE:
        qs = qs.filter(status=UseCaseStatus.PRODUCTION)
    elif verdict == READY_NEXT_GATE:
        qs = qs.filter(status__in=IN_PLAN)
    elif verdict == PILOT_MODE:
        qs = qs.filter(status__in=(*IN_PLAN, UseCaseStatus.PRODUCTION))
    return qs


def _ordering(sort: str) -> list[str]:
    key = sort.removeprefix("-")
    fields = SORTS[key]
    if sort.startswith("-"):
        return [f"-{fields[0]}", *fields[1:], "pk"]
    return [*fields, "pk"]


def _counts(ids: list[int]) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """(workstream items, exit criteria) per use case id as (done, total): two queries."""
    tallies = []
    for path in ("workstream__use_case_id", "phase__use_case_id"):
        tallies.append(
            {
                row[path]: (row["n_done"], row["n_total"])
                for row in ChecklistItem.objects.filter(**{f"{path}__in": ids})
                .values(path)
                .annotate(n_total=Count("pk"), n_done=Count("pk", filter=Q(done=True)))
                .order_by()
            }
        )
    return tallies[0], tallies[1]


def _last_decisions(ids: list[int]) -> dict[int, ScaleDecision]:
    latest: dict[int, ScaleDecision] = {}
    for decision in (
        ScaleDecision.objects.filter(use_case_id__in=ids)
        .select_related("decided_by")
        .order_by("use_case_id", "-decided_at", "-id")
    ):
        latest.setdefault(decision.use_case_id, decision)
    return latest


def _verdict(
    uc: UseCase, blockers: list[Blocker], answers: list[QuestionAnswer]
) -> tuple[str, list[Reason]]:
    if uc.status == UseCaseStatus.SCALED:
        return SCALED, []
    if uc.status == UseCaseStatus.RETIRED:
        return RETIRED, []
    reasons = [Reason(text=b.message, url=b.url) for b in blockers]
    if uc.status == UseCaseStatus.PRODUCTION:
        flagged = [
            Reason(
                text=f"{a.question} {' '.join(a.reasons)}",
                url=a.parts[0].evidence[0].url if a.parts and a.parts[0].evidence else "",
                kind="answer",
            )
            for a in answers
            if a.flagged
        ]
        if not flagged and not blockers:
            return READY_TO_SCALE, []
        return PILOT_MODE, [*flagged, *reasons]
    if not blockers:
        return READY_NEXT_GATE, []
    return PILOT_MODE, reasons


def build_rows(use_cases: list[UseCase], today: dt.date | None = None) -> list[PortfolioRow]:
    """Rows for these use cases (loaded with organization and owner, annotated by ``_base``),
    in their order; a constant number of queries whatever their number."""
    if not use_cases:
        return []
    today = today or timezone.localdate()
    ids = [uc.pk for uc in use_cases]
    targets = {uc.pk: t for uc in use_cases if (t := gate.verdict_target(uc)) is not None}
    blockers = gate.evaluate_many(use_cases, targets)
    answers = contrib.scale_answers_many(use_cases)
    facts = contrib.portfolio_facts(use_cases)
    items, criteria = _counts(ids)
    decisions = _last_decisions(ids)
    rows: list[PortfolioRow] = []
    for uc in use_cases:
        questions = contrib.by_question(answers.get(uc.pk, []))
        uc_facts = facts.get(uc.pk, {})
        gov = uc_facts.get("governance")
        items_done, items_total = items.get(uc.pk, (0, 0))
        criteria_done, criteria_total = criteria.get(uc.pk, (0, 0))
        score = readiness_score(
            criteria_done=criteria_done,
            criteria_total=criteria_total,
            items_done=items_done,
            items_total=items_total,
            governance_done=gov["done"] if gov else None,
            governance_total=gov["required"] if gov else None,
            scorecard=uc_facts.get("scorecard"),
            answers_ok=sum(1 for q in questions if not q.flagged),
            questions=len(questions),
        )
        uc_blockers = blockers.get(uc.pk, [])
        verdict, reasons = _verdict(uc, uc_blockers, questions)
        day = uc.plan_day(today) if uc.is_in_plan else None
        late_reason = ""
        if uc.is_in_plan:
            if getattr(uc, "has_late_phase", False):
                late_reason = "A phase is past its planned end"
            elif day is not None and day > PLAN_LENGTH_DAYS:
                late_reason = f"Day {day}: past the 90-day plan"
        slug = uc.organization.slug
        rows.append(
            PortfolioRow(
                use_case=uc,
                day=day,
                late=bool(late_reason),
                late_reason=late_reason,
                target=targets.get(uc.pk),
                blockers=uc_blockers,
                answers=questions,
                facts=uc_facts,
                score=score,
                verdict=verdict,
                reasons=reasons,
                last_decision=decisions.get(uc.pk),
                url=org_pk_url("usecase_detail", slug, uc.pk),
                scale_url=org_pk_url("usecase_scale", slug, uc.pk),
            )
        )
    return rows


def _candidates(qs: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """The use cases of ``qs`` that could be ready (to scale, or for their next gate), by
    readiness's own necessary conditions, in SQL. Everything else is certainly in pilot mode:

    * in the plan: an exit criterion of the current phase still open is a blocker on its next
      gate (readiness.gate.exit_criteria_check);
    * in production: no owner, or no live integration, flags a question that only readiness
      answers (readiness.answers: "owner" and "integrations"), and a flagged answer keeps it
      in pilot mode. If another app ever answers those two questions, drop them from here.
    """
    open_criterion = ChecklistItem.objects.filter(
        phase__use_case=OuterRef("pk"), phase__number=OuterRef("current_phase"), done=False
    )
    live = Integration.objects.filter(use_case=OuterRef("pk"), status=IntegrationStatus.LIVE)
    return qs.filter(
        Q(status__in=IN_PLAN, current_phase__lte=3) & ~Exists(open_criterion)
        | Q(status=UseCaseStatus.PRODUCTION, owner__isnull=False) & Exists(live)
    )


def _ready_ids(qs: QuerySet[UseCase], today: dt.date) -> dict[str, set[int]]:
    """Ids of the use cases of ``qs`` that are ready to scale and ready for their next gate.

    Only the candidates are evaluated (constant queries; their number, not the portfolio's,
    bounds the work)."""
    rows = build_rows(list(_candidates(qs).order_by("pk")), today)
    return {
        READY_TO_SCALE: {r.pk for r in rows if r.verdict == READY_TO_SCALE},
        READY_NEXT_GATE: {r.pk for r in rows if r.verdict == READY_NEXT_GATE},
    }


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

    A constant number of queries; only the rows returned (and the use cases that could be
    ready, for the verdict filter and sort) are evaluated. Callers check access to
    ``organization`` first; nothing here checks permissions.
    """
    today = today or timezone.localdate()
    clean = clean_filters(filters)
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    qs = _base(organization, clean, today)
    ready = _ready_ids(qs, today)
    verdict = clean.get("verdict")
    if verdict in (READY_TO_SCALE, READY_NEXT_GATE):
        qs = qs.filter(pk__in=ready[verdict])
    elif verdict == PILOT_MODE:
        qs = qs.exclude(pk__in=ready[READY_TO_SCALE] | ready[READY_NEXT_GATE])
    qs = qs.annotate(
        verdict_order=Case(
            When(pk__in=ready[READY_TO_SCALE], then=Value(0)),
            When(pk__in=ready[READY_NEXT_GATE], then=Value(1)),
            When(status__in=(*IN_PLAN, UseCaseStatus.PRODUCTION), then=Value(2)),
            When(status=UseCaseStatus.SCALED, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
    ).order_by(*_ordering(sort))
    if page is None:
        rows = build_rows(list(qs), today)
        return Portfolio(rows, len(rows), 1, 1, max(len(rows), 1), sort, clean)
    count = qs.count()
    num_pages = max(1, math.ceil(count / page_size))
    number = min(max(1, int(page)), num_pages)
    start = (number - 1) * page_size
    rows = build_rows(list(qs[start : start + page_size]), today)
    return Portfolio(rows, count, number, num_pages, page_size, sort, clean)


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
