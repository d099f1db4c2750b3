"""Reads that feed the adoption pages, the scorecard panel and the portfolio, each in a fixed
number of queries whatever the number of cohorts, people, versions or weeks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone

from adoption.calc import early_window, percent, recent_weeks, week_start
from adoption.models import (
    BoundaryAcknowledgement,
    Cohort,
    CohortStatus,
    Feedback,
    IterationEntry,
    TrainingRecord,
    UsageBoundary,
)
from readiness.models import Organization, UseCase, User

TREND_WEEKS = 12


def _people() -> Any:
    return User.objects.order_by("first_name", "last_name", "email")


def cohorts_with_people(use_case: UseCase) -> list[Cohort]:
    """The use case's cohorts with managers and members loaded, and per cohort the training
    progress (``managers_trained``, ``members_trained``, ``untrained_managers``)."""
    cohorts = list(
        Cohort.objects.filter(use_case=use_case)
        .prefetch_related(
            Prefetch("managers", queryset=_people()), Prefetch("members", queryset=_people())
        )
        .order_by("planned_go_live", "name", "pk")
    )
    people = {u.pk for c in cohorts for u in [*c.managers.all(), *c.members.all()]}
    trained = (
        set(
            TrainingRecord.objects.filter(
                use_case=use_case, user_id__in=people, completed_on__lte=timezone.localdate()
            ).values_list("user_id", flat=True)
        )
        if people
        else set()
    )
    for c in cohorts:
        managers, members = list(c.managers.all()), list(c.members.all())
        c.untrained_managers = [m for m in managers if m.pk not in trained]  # type: ignore[attr-defined]
        c.managers_trained = len(managers) - len(c.untrained_managers)  # type: ignore[attr-defined]
        c.members_trained = sum(1 for m in members if m.pk in trained)  # type: ignore[attr-defined]
        c.managers_pct = percent(c.managers_trained, len(managers))  # type: ignore[attr-defined]
        c.members_pct = percent(c.members_trained, len(members))  # type: ignore[attr-defined]
        for person in [*managers, *members]:
            person.is_trained = person.pk in trained  # type: ignore[attr-defined]
    return cohorts


def boundary_versions(use_case: UseCase) -> list[UsageBoundary]:
    return list(
        UsageBoundary.objects.filter(use_case=use_case)
        .select_related("published_by")
        .annotate(ack_count=Count("acknowledgements"))
        .order_by("-version")
    )


def acknowledged(user: Any, boundary: UsageBoundary | None) -> BoundaryAcknowledgement | None:
    if boundary is None:
        return None
    return BoundaryAcknowledgement.objects.filter(boundary=boundary, user=user).first()


def first_go_live(use_case: UseCase) -> dt.date | None:
    return (
        Cohort.objects.filter(use_case=use_case, actual_go_live__isnull=False)
        .order_by("actual_go_live")
        .values_list("actual_go_live", flat=True)
        .first()
    )


def iteration_log(use_case: UseCase, go_live: dt.date | None) -> list[IterationEntry]:
    """Newest first; each entry has ``window`` ("days 1-30", "days 31-60" or "") relative to
    the use case's first go-live, so the early iterations stand out."""
    entries = list(
        IterationEntry.objects.filter(use_case=use_case)
        .select_related("recorded_by")
        .order_by("-happened_on", "-pk")
    )
    for entry in entries:
        entry.window = early_window(go_live, entry.happened_on)  # type: ignore[attr-defined]
    return entries


@dataclass(frozen=True)
class WeekTrend:
    week: dt.date
    responses: int
    usefulness: float | None
    trust: float | None
    minutes_saved: float | None


def feedback_trend(
    use_case: UseCase, *, today: dt.date | None = None, weeks: int = TREND_WEEKS
) -> list[WeekTrend]:
    """Weekly averages over the last ``weeks`` ISO weeks (oldest first, empty weeks included),
    from one aggregate query."""
    today = today or timezone.localdate()
    mondays = recent_weeks(today, weeks)
    rows = {
        row["week"]: row
        for row in Feedback.objects.filter(cohort__use_case=use_case, week__gte=mondays[0])
        .values("week")
        .annotate(
            responses=Count("pk"),
            usefulness=Avg("usefulness"),
            trust=Avg("trust"),
            minutes_saved=Avg("minutes_saved"),
        )
        .order_by("week")
    }

    def rounded(value: Any) -> float | None:
        return None if value is None else round(float(value), 1)

    return [
        WeekTrend(
            week=monday,
            responses=rows[monday]["responses"] if monday in rows else 0,
            usefulness=rounded(rows[monday]["usefulness"]) if monday in rows else None,
            trust=rounded(rows[monday]["trust"]) if monday in rows else None,
            minutes_saved=rounded(rows[monday]["minutes_saved"]) if monday in rows else None,
        )
        for monday in mondays
    ]


def trend_context(use_case: UseCase, *, today: dt.date | None = None) -> dict[str, Any]:
    """What ``adoption/partials/feedback_trend.html`` shows: the weeks and the chart's data."""
    trend = feedback_trend(use_case, today=today)
    answered = [w for w in trend if w.responses]
    return {
        "trend": trend,
        "trend_has_data": bool(answered),
        "trend_chart": {
            "labels": [w.week.strftime("%d %b") for w in trend],
            "usefulness": [w.usefulness for w in trend],
            "trust": [w.trust for w in trend],
            "minutes_saved": [w.minutes_saved for w in trend],
        },
        "trend_id": f"feedback-trend-{use_case.pk}",
        "trend_data_id": f"feedback-trend-{use_case.pk}-data",
    }


def my_live_cohorts(user: Any, organization: Organization, *, today: dt.date) -> list[Cohort]:
    """The live cohorts of this organization the user is a member of, each with
    ``this_week`` (their feedback for the current week, or None) and the use case loaded."""
    week = week_start(today)
    cohorts: list[Cohort] = list(
        Cohort.objects.filter(
            use_case__organization=organization,
            members=user,
            status=CohortStatus.LIVE,
            actual_go_live__lte=today,
        )
        .select_related("use_case__organization")
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=Feedback.objects.filter(user=user, week=week),
                to_attr="mine",
            )
        )
        .order_by("use_case__name", "name", "pk")
    )
    for c in cohorts:
        c.this_week = c.mine[0] if c.mine else None  # type: ignore[attr-defined]
    return cohorts


def my_recent_feedback(user: Any, organization: Organization, *, limit: int = 10) -> list[Feedback]:
    return list(
        Feedback.objects.filter(user=user, cohort__use_case__organization=organization)
        .select_related("cohort__use_case")
        .order_by("-week", "cohort__name")[:limit]
    )


def portfolio_facts(use_cases: list[UseCase]) -> dict[int, dict[str, Any]]:
    """``{"adoption": {"live_cohorts": n, "trained_pct": x}}`` per use case, in two queries.

    ``trained_pct`` is the share of the managers of live cohorts who are trained (None when no
    cohort is live)."""
    ids = [uc.pk for uc in use_cases]
    live = {
        row["use_case_id"]: row["n"]
        for row in Cohort.objects.filter(use_case_id__in=ids, status=CohortStatus.LIVE)
        .values("use_case_id")
        .annotate(n=Count("pk"))
    }
    managers = Cohort.managers.through.objects.filter(
        cohort__use_case_id__in=ids, cohort__status=CohortStatus.LIVE
    ).values_list("cohort__use_case_id", "user_id")
    pairs = {(uc, u) for uc, u in managers}
    trained = set(
        TrainingRecord.objects.filter(use_case_id__in=ids)
        .filter(Q(user_id__in={u for _, u in pairs}))
        .values_list("use_case_id", "user_id")
        if pairs
        else []
    )
    facts: dict[int, dict[str, Any]] = {}
    for pk in ids:
        mine = {p for p in pairs if p[0] == pk}
        facts[pk] = {
            "adoption": {
                "live_cohorts": live.get(pk, 0),
                "trained_pct": percent(len(mine & trained), len(mine)),
            }
        }
    return facts
