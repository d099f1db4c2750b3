"""Scorecard reads for the executive pages: the portfolio app reads these directly (it stands
above metrics), with typed values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db.models import Count, Q

from metrics import scorecards
from metrics.models import Level, Period, Rollup
from metrics.scorecards import Status
from metrics.selectors.scorecards import LevelGroup, min_days, min_samples, scorecards_for
from readiness.models import UseCase


def level_statuses_many(
    use_cases: Sequence[UseCase], *, cards: Mapping[int, list[LevelGroup]] | None = None
) -> dict[int, dict[str, Status]]:
    """Each use case's scorecard status per level (``Level`` value -> ``Status``), for the levels
    it has metrics in; three queries whatever the number of use cases, none when the caller
    gives their scorecards (``scorecards_for``) already."""
    if cards is None:
        cards = scorecards_for(use_cases, targeted_only=False)
    return {
        uc.pk: {group.level: group.status for group in cards.get(uc.pk, [])} for uc in use_cases
    }


def business_weeks_judged(
    use_cases: Sequence[UseCase], today: dt.date
) -> dict[tuple[int, int], int]:
    """Per (use case id, business metric id): complete weeks in the scorecard's 90 days with
    enough samples to be judged (one query)."""
    minimum = min_samples()
    enough = (
        Q(trials__gte=minimum, metric__kind="rate")
        | Q(days__gte=min_days(), metric__kind="count")
        | (~Q(metric__kind__in=["rate", "count"]) & Q(count__gte=minimum))
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
    return {(r["use_case_id"], r["metric_id"]): r["weeks"] for r in rows}
