"""What other apps say on readiness's executive pages, without readiness importing them.

The portfolio dashboard and the scale page live in readiness but show what governance, metrics
and adoption know. Each app registers, from its ``AppConfig.ready``:

* a **portfolio contributor**: ``fn(use_cases: list[UseCase]) -> dict[int, dict[str, Any]]``,
  facts per use case id for the dashboard (for example governance progress, scorecard status
  per level). It must run a constant number of queries whatever the number of use cases.
* a **scale contributor**: ``fn(use_case: UseCase) -> list[Answer]``, its part of the answers to
  the six questions an executive asks before approving scale, with the evidence linked; and,
  optionally, its bulk version ``bulk(use_cases) -> dict[int, list[Answer]]`` giving the same
  answers for many use cases in a constant number of queries (the portfolio dashboard needs
  every row's flags; without a bulk version it calls ``fn`` once per use case).
* a **panel**: ``fn(use_case: UseCase) -> Panel | None``, a section that one app adds to a page
  of another (for example adoption's feedback trend on the metrics scorecard), by slot name.

Readiness merges the contributions; an app that is not installed simply says nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readiness.models import UseCase

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
    """One app's part of the answer to one of the six questions.

    ``flagged`` means this part is missing or vague; ``reason`` then says what to fix, in words
    an executive can act on. A question with no unflagged part is flagged; any flagged question
    keeps the use case in pilot mode.
    """

    question: str  # a key of QUESTIONS
    text: str
    source: str
    flagged: bool = False
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PortfolioContributor = Callable[[list["UseCase"]], dict[int, dict[str, Any]]]
ScaleContributor = Callable[["UseCase"], list[Answer]]
BulkScaleContributor = Callable[[list["UseCase"]], dict[int, list[Answer]]]
PanelContributor = Callable[["UseCase"], Panel | None]

_portfolio: dict[str, PortfolioContributor] = {}
_scale: dict[str, ScaleContributor] = {}
_scale_bulk: dict[str, BulkScaleContributor] = {}
_panels: dict[str, dict[str, PanelContributor]] = {}


_SENTINEL = 987654321987
_patterns: dict[str, str] = {}


def org_pk_url(name: str, org: str, pk: int) -> str:
    """``reverse(name, kwargs={"org": org, "pk": pk})``, fast: contributors build a few links
    per use case for every row of the dashboard, and Django's reverse costs tens of
    microseconds each. The URL is reversed once per (name, org) with a sentinel pk."""
    key = f"{name}\x00{org}"
    pattern = _patterns.get(key)
    if pattern is None:
        from django.urls import reverse

        pattern = reverse(name, kwargs={"org": org, "pk": _SENTINEL})
        _patterns[key] = pattern
    return pattern.replace(str(_SENTINEL), str(pk))


def register_portfolio_contributor(name: str, fn: PortfolioContributor) -> None:
    _portfolio[name] = fn


def register_scale_contributor(
    name: str, fn: ScaleContributor, bulk: BulkScaleContributor | None = None
) -> None:
    _scale[name] = fn
    if bulk is None:
        _scale_bulk.pop(name, None)
    else:
        _scale_bulk[name] = bulk


def register_panel(slot: str, name: str, fn: PanelContributor) -> None:
    _panels.setdefault(slot, {})[name] = fn


def portfolio_facts(use_cases: list[UseCase]) -> dict[int, dict[str, Any]]:
    """Every contributor's facts merged per use case id (keys are the contributors' own)."""
    merged: dict[int, dict[str, Any]] = {uc.pk: {} for uc in use_cases}
    for fn in _portfolio.values():
        for pk, facts in fn(use_cases).items():
            merged.setdefault(pk, {}).update(facts)
    return merged


def scale_answers(use_case: UseCase) -> list[Answer]:
    answers: list[Answer] = []
    for fn in _scale.values():
        answers.extend(fn(use_case))
    return answers


def scale_answers_many(use_cases: list[UseCase]) -> dict[int, list[Answer]]:
    """:func:`scale_answers` for many use cases: each contributor's bulk version where it has
    one, else one call per use case. Answers come in the same order as from scale_answers."""
    merged: dict[int, list[Answer]] = {uc.pk: [] for uc in use_cases}
    if not use_cases:
        return merged
    for name, fn in _scale.items():
        bulk = _scale_bulk.get(name)
        if bulk is not None:
            found = bulk(use_cases)
            for uc in use_cases:
                merged[uc.pk].extend(found.get(uc.pk, []))
        else:
            for uc in use_cases:
                merged[uc.pk].extend(fn(uc))
    return merged


@dataclass(frozen=True)
class QuestionAnswer:
    """One of the six questions with every app's part of its answer, merged."""

    key: str
    question: str
    parts: tuple[Answer, ...]

    @property
    def flagged(self) -> bool:
        """No part answers it without a flag (see :class:`Answer`): it keeps pilot mode."""
        return all(a.flagged for a in self.parts)

    @property
    def reasons(self) -> list[str]:
        if not self.parts:
            return [f"Nobody has answered “{self.question}”"]
        return [a.reason or a.text for a in self.parts if a.flagged]


def by_question(answers: list[Answer]) -> list[QuestionAnswer]:
    """The six questions in order, each with its parts. A question with no part is flagged."""
    grouped: dict[str, list[Answer]] = {key: [] for key in QUESTIONS}
    for answer in answers:
        if answer.question in grouped:
            grouped[answer.question].append(answer)
    return [
        QuestionAnswer(key=key, question=QUESTIONS[key], parts=tuple(grouped[key]))
        for key in QUESTIONS
    ]


def panels(slot: str, use_case: UseCase) -> list[Panel]:
    found = (fn(use_case) for fn in _panels.get(slot, {}).values())
    return [p for p in found if p is not None]
