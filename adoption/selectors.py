"""Reads that feed the adoption pages, the scorecard panel and the portfolio, each in a fixed
number of queries whatever the number of cohorts, people, versions or weeks; and what keeps a
cohort from going live (read by the go-live service and the cohort page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Prefetch
from django.urls import reverse
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
from readiness.gate import Blocker
from readiness.models import Organization, UseCase, User

SOURCE = "adoption"  # the source of adoption's blockers (go-live and the readiness gate)
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


def trained_user_ids(use_case: UseCase, user_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the users with a training record for the use case (completed by today)."""
    records = TrainingRecord.objects.filter(
        use_case=use_case, completed_on__lte=timezone.localdate()
    )
    if user_ids is not None:
        records = records.filter(user_id__in=list(user_ids))
    return set(records.values_list("user_id", flat=True))


def untrained_managers(cohort: Cohort, managers: Iterable[User] | None = None) -> list[User]:
    managers = list(managers if managers is not None else cohort.managers.all())
    trained = trained_user_ids(cohort.use_case, [m.pk for m in managers])
    return sorted(
        (m for m in managers if m.pk not in trained), key=lambda u: u.display_name.lower()
    )


def go_live_blockers(cohort: Cohort) -> list[Blocker]:
    """Everything that keeps the cohort's users from going live, each worded as what to do.

    Managers are trained before their users go live; the usage boundaries are published;
    the cohort names its members (they give the weekly feedback).
    """
    use_case = cohort.use_case
    slug = use_case.organization.slug
    cohort_url = reverse("adoption_cohort", kwargs={"org": slug, "pk": cohort.pk})
    blockers: list[Blocker] = []
    managers = list(cohort.managers.all())
    if not managers:
        blockers.append(
            Blocker(
                code="adoption_no_manager",
                message=f"{cohort.name} has no manager: name its managers and record their "
                "training before its users go live.",
                source=SOURCE,
                url=f"{cohort_url}edit/",
                detail={"cohort_id": cohort.pk},
            )
        )
    for manager in untrained_managers(cohort, managers):
        blockers.append(
            Blocker(
                code="adoption_manager_untrained",
                message=f"{manager.display_name}, manager of {cohort.name}, has no training "
                f"record for {use_case.name}: record their training before the cohort goes live.",
                source=SOURCE,
                url=f"{cohort_url}#training",
                detail={"cohort_id": cohort.pk, "user": manager.email},
            )
        )
    if not cohort.members.exists():
        blockers.append(
            Blocker(
                code="adoption_no_members",
                message=f"{cohort.name} names no members: add the people who will use the AI "
                "(they give the weekly feedback).",
                source=SOURCE,
                url=f"{cohort_url}edit/",
                detail={"cohort_id": cohort.pk},
            )
        )
    if not UsageBoundary.objects.filter(use_case=use_case).exists():
        blockers.append(
            Blocker(
                code="adoption_no_boundaries",
                message=f"No usage boundaries are published for {use_case.name}: publish them "
                "before its users go live.",
                source=SOURCE,
                url=reverse("adoption_boundaries", kwargs={"org": slug, "pk": use_case.pk}),
            )
        )
    return blockers


def cohort_training_records(cohort: Cohort) -> list[TrainingRecord]:
    """The cohort's training records, newest first, with who was trained and who recorded it."""
    return list(
        cohort.training_records.select_related("user", "recorded_by").order_by(
            "-completed_on", "-pk"
        )
    )


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


def boundary_version(use_case: UseCase, version: str) -> UsageBoundary | None:
    """One version of the use case's usage boundaries, by its number as typed (None if it is
    not a number or there is no such version)."""
    if not version.isdigit():
        return None
    return UsageBoundary.objects.filter(use_case=use_case, version=int(version)).first()


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
