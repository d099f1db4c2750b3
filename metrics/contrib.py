"""What metrics says on readiness's executive pages (registered in MetricsConfig.ready).

- Portfolio facts, keys ``"scorecard"`` (the status of each level: system, quality, business,
  as :class:`metrics.scorecards.Status` members, which are strings with a ``label``) and
  ``"scorecard_url"``. Five queries for any number of use cases.
- Scale answers: ``workflow`` (what the business metrics with a baseline moved: latest week
  against baseline) and ``value_metric`` (a business metric with a target, a baseline and a
  trend of at least ``VALUE_TREND_WEEKS`` judged weeks). Each is flagged, with what to fix, when
  no business metric qualifies. The bulk version answers many use cases in six queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from metrics import scorecards, selectors
from metrics.models import Level, Period, Rollup
from metrics.scorecards import Status
from metrics.selectors import LevelGroup, Line
from readiness.contrib import Answer, Evidence
from readiness.models import Organization, UseCase

SOURCE = "metrics"
VALUE_TREND_WEEKS = 4  # complete weeks with enough samples in the 90 days, to call it a trend


def _slugs(use_cases: Sequence[UseCase]) -> dict[int, str]:
    """Organization slugs by id without touching ``use_case.organization`` (one query at most)."""
    known: dict[int, str] = {}
    missing: set[int] = set()
    for uc in use_cases:
        cached = uc._state.fields_cache.get("organization")
        if cached is not None:
            known[uc.organization_id] = cached.slug
        else:
            missing.add(uc.organization_id)
    missing -= set(known)
    if missing:
        known.update(Organization.objects.filter(pk__in=missing).values_list("pk", "slug"))
    return known


def _url(slug: str, use_case: UseCase) -> str:
    return reverse("scorecard_use_case", kwargs={"org": slug, "pk": use_case.pk})


def portfolio_facts(use_cases: list[UseCase]) -> dict[int, dict[str, Any]]:
    cards = selectors.scorecards_for(use_cases)
    slugs = _slugs(use_cases)
    return {
        uc.pk: {
            "scorecard": {group.level: group.status for group in cards[uc.pk]},
            "scorecard_url": _url(slugs[uc.organization_id], uc),
        }
        for uc in use_cases
    }


def _judged_weeks(use_cases: Sequence[UseCase], today: dt.date) -> Counter[tuple[int, int]]:
    """Per (use case, business metric): complete weeks in the window with enough samples."""
    minimum = selectors.min_samples()
    enough = Q(trials__gte=minimum, metric__kind="rate") | (
        ~Q(metric__kind="rate") & Q(count__gte=minimum)
    )
    rows = (
        Rollup.objects.filter(
            enough,
            use_case_id__in=[uc.pk for uc in use_cases],
            metric__level=Level.BUSINESS,
            period=Period.WEEK,
            period_start__gte=scorecards.window_start(today),
            period_start__lte=scorecards.last_complete_week(today),
        )
        .values("use_case_id", "metric_id")
        .annotate(weeks=Count("pk"))
        .order_by()
    )
    return Counter({(r["use_case_id"], r["metric_id"]): r["weeks"] for r in rows})


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
    weeks: Counter[tuple[int, int]],
    evidence: tuple[Evidence, ...],
) -> Answer:
    candidates = [line for line in lines if line.target is not None and line.baseline is not None]
    proven = [
        line for line in candidates if weeks[(use_case.pk, line.metric.pk)] >= VALUE_TREND_WEEKS
    ]
    if proven:
        best = sorted(proven, key=lambda line: scorecards.STATUS_ORDER[line.status], reverse=True)
        parts = [
            f"{line.metric.name}: {line.status.label.lower()} ({line.value_text} against a "
            f"target of {line.target_text}; baseline {line.baseline_text}; "
            f"{weeks[(use_case.pk, line.metric.pk)]} weeks of figures)"
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


def scale_answers_many(use_cases: list[UseCase]) -> dict[int, list[Answer]]:
    if not use_cases:
        return {}
    today = selectors.today_utc()
    cards = selectors.scorecards_for(use_cases, today=today)
    weeks = _judged_weeks(use_cases, today)
    slugs = _slugs(use_cases)
    answers: dict[int, list[Answer]] = {}
    for uc in use_cases:
        lines = _business(cards[uc.pk])
        evidence = (Evidence("Scorecard", _url(slugs[uc.organization_id], uc)),)
        answers[uc.pk] = [
            _workflow(uc, lines, evidence),
            _value_metric(uc, lines, weeks, evidence),
        ]
    return answers


def scale_answers(use_case: UseCase) -> list[Answer]:
    return scale_answers_many([use_case])[use_case.pk]


def register() -> None:
    from readiness import contrib

    contrib.register_portfolio_contributor(SOURCE, portfolio_facts)
    contrib.register_scale_contributor(SOURCE, scale_answers, bulk=scale_answers_many)
