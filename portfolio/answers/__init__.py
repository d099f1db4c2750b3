"""The six questions an executive asks before scale, answered from the data.

Each source answers its part, in its own module of this package: :mod:`.use_case` (the
workflow, the review model in the behavior spec, the integrations, the owner),
:mod:`.governance` (the oversight thresholds, the sign-offs, incidents and audit trail) and
:mod:`.metrics` (what the business metrics moved, the metric that proves value). Each reads its
app's selectors directly, for many use cases at once in a constant number of queries;
:func:`answers_many` merges them question by question.

A part is *flagged* when it is missing or too vague to act on, and says what to fix; a question
with no unflagged part is flagged, and any flagged question keeps the use case in pilot mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from readiness.models import UseCase

if TYPE_CHECKING:
    from metrics.selectors import LevelGroup

# The six questions, in the order an executive asks them: key -> question.
QUESTIONS: dict[str, str] = {
    "workflow": "What workflow is improving, exactly?",
    "review_model": "What is the human review model?",
    "risk": "How is risk controlled and audited?",
    "integrations": "Which systems does it integrate with today?",
    "value_metric": "What metric proves value after launch?",
    "owner": "Who owns the product after implementation?",
}


@dataclass(frozen=True)
class Evidence:
    label: str
    url: str = ""


@dataclass(frozen=True)
class Answer:
    """One source's part of the answer to one of the six questions.

    ``flagged`` means this part is missing or vague; ``reason`` then says what to fix, in words
    an executive can act on.
    """

    question: str  # a key of QUESTIONS
    text: str
    source: str
    flagged: bool = False
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class QuestionAnswer:
    """One of the six questions with every source's part of its answer, merged."""

    key: str
    question: str
    parts: tuple[Answer, ...]

    @property
    def flagged(self) -> bool:
        """No part answers it without a flag: it keeps pilot mode."""
        return all(a.flagged for a in self.parts)

    @property
    def reasons(self) -> list[str]:
        if not self.parts:
            return [f"Nobody has answered “{self.question}”"]
        return [a.reason or a.text for a in self.parts if a.flagged]


def by_question(answers: Sequence[Answer]) -> list[QuestionAnswer]:
    """The six questions in order, each with its parts. A question with no part is flagged."""
    grouped: dict[str, list[Answer]] = {key: [] for key in QUESTIONS}
    for answer in answers:
        if answer.question in grouped:
            grouped[answer.question].append(answer)
    return [
        QuestionAnswer(key=key, question=QUESTIONS[key], parts=tuple(grouped[key]))
        for key in QUESTIONS
    ]


def answers_many(
    use_cases: Sequence[UseCase], *, scorecards: Mapping[int, list[LevelGroup]] | None = None
) -> dict[int, list[QuestionAnswer]]:
    """The six questions answered for each use case (loaded with organization and owner), in a
    constant number of queries whatever their number. ``scorecards``: the use cases' scorecards
    (``metrics.selectors.scorecards_for``), when the caller has read them already."""
    from portfolio.answers import governance, metrics, use_case

    if not use_cases:
        return {}
    parts: dict[int, list[Answer]] = {uc.pk: [] for uc in use_cases}
    sources = (
        use_case.answers_many(use_cases),
        governance.answers_many(use_cases),
        metrics.answers_many(use_cases, cards=scorecards),
    )
    for source in sources:
        for pk, answers in source.items():
            parts[pk].extend(answers)
    return {pk: by_question(found) for pk, found in parts.items()}
