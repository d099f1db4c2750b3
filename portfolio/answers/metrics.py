"""Metrics' part of the six answers: ``workflow`` (what the business metrics with a baseline
moved: latest week against baseline) and ``value_metric`` (a business metric with a target, a
baseline and a trend of at least ``VALUE_TREND_WEEKS`` judged weeks). Each is flagged, with what
to fix, when no business metric qualifies. Six queries for any number of use cases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from metrics import scorecards, selectors
from metrics.models import Level
from metrics.scorecards import Status
from metrics.selectors import LevelGroup, Line
from portfolio.answers import Answer, Evidence
from readiness.links import org_pk_url, org_slugs
from readiness.models import UseCase

SOURCE = "metrics"
VALUE_TREND_WEEKS = 4  # complete weeks with enough samples in the 90 days, to call it a trend


def _business(levels: Sequence[LevelGroup]) -> list[Line]:
    return next((g.lines for g in levels if g.level == Level.BUSINESS), [])


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "—"


def _moved(line: Line) -> str:
    direction = ""
    if line.change is not None and line.change.improved is not None:
        direction = ", better" if line.change.improved else ", worse"
    return (
        f"{line.metric.name} {line.value_text} in the week of "
        f"{_day(line.period_start)} against a baseline of {line.baseline_text} "
        f"({line.change_text}{direction})"
    )


def _workflow(use_case: UseCase, lines: list[Line], evidence: tuple[Evidence, ...]) -> Answer:
    measured = [
        line
        for line in lines
        if line.baseline is not None and line.status != Status.NO_DATA and line.value is not None
    ]
    if not measured:
        with_baseline = [line.metric.name for line in lines if line.baseline is not None]
        if with_baseline:
            reason = (
                f"{', '.join(with_baseline)} ha{'s' if len(with_baseline) == 1 else 've'} a "
                "baseline but not enough figures in the last complete week: send business "
                "metric samples for this use case."
            )
        else:
            reason = (
                "No business metric has a baseline: record the pre-AI baseline of cycle time, "
                "throughput or another business metric on the Targets page."
            )
        return Answer(
            question="workflow",
            text="No business metric shows what changed against the pre-AI baseline.",
            source=SOURCE,
            flagged=True,
            reason=reason,
            evidence=evidence,
        )
    return Answer(
        question="workflow",
        text="; ".join(_moved(line) for line in measured) + ".",
        source=SOURCE,
        evidence=evidence,
    )


def _value_metric(
    use_case: UseCase,
    lines: list[Line],
    weeks: Mapping[tuple[int, int], int],
    evidence: tuple[Evidence, ...],
) -> Answer:
    candidates = [line for line in lines if line.target is not None and line.baseline is not None]
    proven = [
        line
        for line in candidates
        if weeks.get((use_case.pk, line.metric.pk), 0) >= VALUE_TREND_WEEKS
    ]
    if proven:
        best = sorted(proven, key=lambda line: scorecards.STATUS_ORDER[line.status], reverse=True)
        parts = [
            f"{line.metric.name}: {line.status.label.lower()} ({line.value_text} against a "
            f"target of {line.target_text}; baseline {line.baseline_text}; "
            f"{weeks.get((use_case.pk, line.metric.pk), 0)} weeks of figures)"
            for line in best
        ]
        return Answer(
            question="value_metric",
            text="; ".join(parts) + ".",
            source=SOURCE,
            evidence=evidence,
        )
    if candidates:
        names = ", ".join(line.metric.name for line in candidates)
        reason = (
            f"{names} ha{'s' if len(candidates) == 1 else 've'} a target and a baseline but "
            f"fewer than {VALUE_TREND_WEEKS} complete weeks of figures with enough samples in "
            "the last 90 days: keep sending its samples."
        )
    else:
        reason = (
            "No business metric has both a target and a pre-AI baseline: set them on the "
            "Targets page for the metric that should prove value."
        )
    return Answer(
        question="value_metric",
        text="No business metric proves value yet.",
        source=SOURCE,
        flagged=True,
        reason=reason,
        evidence=evidence,
    )


def answers_many(
    use_cases: Sequence[UseCase], *, cards: Mapping[int, list[LevelGroup]] | None = None
) -> dict[int, list[Answer]]:
    """``cards``: the use cases' scorecards when the caller has them already (judging a use
    case reads them for its levels' statuses too)."""
    if not use_cases:
        return {}
    today = selectors.today_utc()
    if cards is None:
        cards = selectors.scorecards_for(use_cases, today=today)
    weeks = selectors.business_weeks_judged(use_cases, today)
    slugs = org_slugs(use_cases)
    answers: dict[int, list[Answer]] = {}
    for uc in use_cases:
        lines = _business(cards[uc.pk])
        evidence = (Evidence("Scorecard", org_pk_url("scorecard_use_case", slugs[uc.pk], uc.pk)),)
        answers[uc.pk] = [
            _workflow(uc, lines, evidence),
            _value_metric(uc, lines, weeks, evidence),
        ]
    return answers
