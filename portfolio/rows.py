"""One row of the executive portfolio: where a use case stands and whether it may scale.

:func:`build_rows` judges a page of use cases at once: its phase and day in the 90-day plan
(late ones flagged, with how many of its workstreams, items and exit criteria are overdue),
its readiness score with the breakdown (:mod:`portfolio.score`), its
verdict with the reasons, its open blockers, governance progress, scorecard status per level
and the six answers' flags. It reads readiness, governance and metrics through their
selectors and the gate, each for all the rows at once, so the number of queries does not grow
with the rows.

Verdicts:

* ``scaled``: the use case's status is scaled (``retired`` ones have their own verdict);
* ``ready_to_scale``: in production, every one of the six questions answered without a flag,
  and the scale gate (``readiness.gate.SCALE``) has no blocker;
* ``ready_next_gate``: in the 90-day plan and its next gate has no blocker;
* ``pilot_mode``: anything else, with the reasons (flagged answers and blockers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from governance.selectors import GovernanceProgress, governance_progress_many
from metrics.models import Level
from metrics.scorecards import BADGE, Status
from metrics.selectors import level_statuses_many, scorecards_for
from portfolio.answers import QuestionAnswer, answers_many
from portfolio.models import ScaleDecision
from portfolio.score import Score, readiness_score
from readiness import gate, selectors
from readiness.gate import Blocker, Target
from readiness.links import org_pk_url
from readiness.models import (
    PLAN_LENGTH_DAYS,
    ChecklistItem,
    Phase,
    UseCase,
    UseCaseStatus,
)

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

# Where a use case may be, for the phase filter: its plan phase, or past the plan.
PHASES: dict[str, str] = {
    "1": f"Phase 1: {Phase.NAMES[1]}",
    "2": f"Phase 2: {Phase.NAMES[2]}",
    "3": f"Phase 3: {Phase.NAMES[3]}",
    "production": "Production",
    "scaled": "Scaled",
    "retired": "Retired",
}


@dataclass(frozen=True)
class ScorecardCell:
    """One level's scorecard status as the dashboard shows it."""

    level: str
    status: Status
    label: str
    badge: str


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
    governance: GovernanceProgress
    scorecard: dict[str, Status]
    score: Score
    verdict: str
    reasons: list[Reason]
    last_decision: ScaleDecision | None
    url: str
    scale_url: str
    overdue: int = 0  # open workstreams, items and exit criteria past their due date

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
    def scorecard_cells(self) -> list[ScorecardCell]:
        """Each level's status for display, system, quality then business."""
        return [
            ScorecardCell(
                level=level.label,
                status=(status := self.scorecard.get(level.value, Status.NO_DATA)),
                label=status.label,
                badge=BADGE[status],
            )
            for level in Level
        ]

    @property
    def open_blockers(self) -> int:
        return len(self.blockers)

    @property
    def flagged_questions(self) -> list[QuestionAnswer]:
        return [a for a in self.answers if a.flagged]

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
            "overdue": self.overdue,
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
            "governance": asdict(self.governance),
            "scorecard": {level: str(status) for level, status in self.scorecard.items()},
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


def _counts(ids: Sequence[int]) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
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


def _last_decisions(ids: Sequence[int]) -> dict[int, ScaleDecision]:
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


@dataclass(frozen=True)
class Judged:
    """The part of a row that judging the use case gives (what :mod:`portfolio.stored` keeps);
    the rest (plan day, lateness, overdue counts, last decision) is read live, cheaply."""

    target: Target | None
    blockers: list[Blocker]
    answers: list[QuestionAnswer]
    governance: GovernanceProgress
    scorecard: dict[str, Status]
    score: Score
    verdict: str
    reasons: list[Reason]


def judge_many(use_cases: Sequence[UseCase]) -> dict[int, Judged]:
    """Judge these use cases (loaded with organization and owner): the gate in front and its
    blockers, the six answers, governance, scorecard, score and verdict. A constant number of
    queries whatever their number."""
    if not use_cases:
        return {}
    ids = [uc.pk for uc in use_cases]
    targets = {uc.pk: t for uc in use_cases if (t := gate.verdict_target(uc)) is not None}
    blockers = gate.evaluate_many(use_cases, targets)
    # Read once: the answers judge the business lines, the score each level's status.
    cards = scorecards_for(use_cases)
    answers = answers_many(use_cases, scorecards=cards)
    governance = governance_progress_many(ids)
    scorecards = level_statuses_many(use_cases, cards=cards)
    items, criteria = _counts(ids)
    judged: dict[int, Judged] = {}
    for uc in use_cases:
        questions = answers[uc.pk]
        gov = governance[uc.pk]
        items_done, items_total = items.get(uc.pk, (0, 0))
        criteria_done, criteria_total = criteria.get(uc.pk, (0, 0))
        score = readiness_score(
            criteria_done=criteria_done,
            criteria_total=criteria_total,
            items_done=items_done,
            items_total=items_total,
            governance_done=gov.done,
            governance_total=gov.required,
            scorecard=scorecards.get(uc.pk, {}),
            answers_ok=sum(1 for q in questions if not q.flagged),
            questions=len(questions),
        )
        uc_blockers = blockers.get(uc.pk, [])
        verdict, reasons = _verdict(uc, uc_blockers, questions)
        judged[uc.pk] = Judged(
            target=targets.get(uc.pk),
            blockers=uc_blockers,
            answers=questions,
            governance=gov,
            scorecard=scorecards.get(uc.pk, {}),
            score=score,
            verdict=verdict,
            reasons=reasons,
        )
    return judged


def rows_from_judged(
    use_cases: Sequence[UseCase], judged: Mapping[int, Judged], today: dt.date
) -> list[PortfolioRow]:
    """Rows for these use cases (annotated with ``has_late_phase`` where lateness matters)
    from their judgement, with the live parts read now: two queries whatever their number."""
    if not use_cases:
        return []
    ids = [uc.pk for uc in use_cases]
    decisions = _last_decisions(ids)
    overdue = selectors.overdue_counts_many(ids, today)
    rows: list[PortfolioRow] = []
    for uc in use_cases:
        j = judged[uc.pk]
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
                target=j.target,
                blockers=j.blockers,
                answers=j.answers,
                governance=j.governance,
                scorecard=j.scorecard,
                score=j.score,
                verdict=j.verdict,
                reasons=j.reasons,
                last_decision=decisions.get(uc.pk),
                url=org_pk_url("usecase_detail", slug, uc.pk),
                scale_url=org_pk_url("usecase_scale", slug, uc.pk),
                overdue=overdue.get(uc.pk, 0),
            )
        )
    return rows


def build_rows(use_cases: Sequence[UseCase], today: dt.date | None = None) -> list[PortfolioRow]:
    """Rows for these use cases (loaded with organization and owner, and annotated with
    ``has_late_phase`` where lateness matters), judged now, in their order; a constant number
    of queries whatever their number."""
    if not use_cases:
        return []
    return rows_from_judged(use_cases, judge_many(use_cases), today or timezone.localdate())
