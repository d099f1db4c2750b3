"""The readiness score: how close a use case is to a scale decision. Pure functions, no ORM.

The score runs from 0 to 100 and is the sum of five parts of 20 points each:

    plan          20 x exit criteria ticked / exit criteria, over the three phases
    workstreams   20 x workstream checklist items ticked / items, over the seven workstreams
    governance    20 x required governance items approved (or not applicable) / required items
    metrics       20 x mean over the scorecard levels (system, quality, business) that have a
                  target of: 1 on target, 0.5 at risk, 0 off target or without data (no level
                  with a target: 0)
    answers       20 x questions of the six answered without a flag / 6

A part with nothing to count (no exit criteria, no governance items yet) scores 0: the proof is
missing, not perfect. A part whose app is not installed (no governance facts at all) is left out
and the other parts are scaled up to 100, so the score never punishes a module the organization
does not use. Each part is rounded only in the total, so the breakdown adds up to the score
within rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from metrics.models import Level
from metrics.scorecards import Status

# What each scorecard status is worth; NO_TARGET (a level none of whose metrics has a target)
# is left out of the mean, and a level without metrics counts as NO_DATA.
STATUS_VALUE: dict[Status, float] = {
    Status.ON_TARGET: 1.0,
    Status.AT_RISK: 0.5,
    Status.OFF_TARGET: 0.0,
    Status.NO_DATA: 0.0,
}
SCORECARD_LEVELS = (Level.SYSTEM, Level.QUALITY, Level.BUSINESS)


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    points: float  # out of ``max_points``
    max_points: float
    detail: str

    @property
    def percent(self) -> int:
        return round(100 * self.points / self.max_points) if self.max_points else 0


@dataclass(frozen=True)
class Score:
    total: int
    parts: tuple[Part, ...]


def _fraction(done: int, total: int) -> float:
    if total < 0 or done < 0 or done > total:
        raise ValueError(f"{done} done of {total} is not a valid count")
    return done / total if total else 0.0


def readiness_score(
    *,
    criteria_done: int,
    criteria_total: int,
    items_done: int,
    items_total: int,
    governance_done: int | None,
    governance_total: int | None,
    scorecard: Mapping[str, Status] | None,
    answers_ok: int,
    questions: int = 6,
) -> Score:
    """The 0-100 score and its parts. ``governance_*`` or ``scorecard`` None: that app says
    nothing, and its part is left out (the others are scaled to 100). Raises ValueError on
    counts that cannot be (more done than total, negative)."""
    raw: list[tuple[str, str, float, str]] = [
        (
            "plan",
            "Exit criteria",
            _fraction(criteria_done, criteria_total),
            f"{criteria_done} of {criteria_total} exit criteria met",
        ),
        (
            "workstreams",
            "Workstreams",
            _fraction(items_done, items_total),
            f"{items_done} of {items_total} workstream items done",
        ),
    ]
    if governance_done is not None and governance_total is not None:
        raw.append(
            (
                "governance",
                "Governance",
                _fraction(governance_done, governance_total),
                f"{governance_done} of {governance_total} required sign-offs",
            )
        )
    if scorecard is not None:
        statuses = [Status(scorecard.get(level) or Status.NO_DATA) for level in SCORECARD_LEVELS]
        values = [STATUS_VALUE[s] for s in statuses if s != Status.NO_TARGET]
        on = sum(1 for v in values if v == 1.0)
        raw.append(
            (
                "metrics",
                "Metrics",
                sum(values) / len(values) if values else 0.0,
                f"{on} of {len(values)} scorecard levels with a target on target"
                if values
                else "no scorecard level has a target",
            )
        )
    raw.append(
        (
            "answers",
            "Six answers",
            _fraction(answers_ok, questions),
            f"{answers_ok} of {questions} questions answered",
        )
    )
    max_points = 100 / len(raw)
    parts = tuple(
        Part(key=key, label=label, points=fraction * max_points, max_points=max_points, detail=d)
        for key, label, fraction, d in raw
    )
    return Score(total=round(sum(p.points for p in parts)), parts=parts)
