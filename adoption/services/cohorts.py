"""Cohorts, their training records and their go-live (a small gate of its own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from adoption.access import MANAGE
from adoption.models import (
    Cohort,
    CohortStatus,
    TrainingRecord,
    UsageBoundary,
)
from adoption.services.common import SOURCE, check_members, people_emails
from readiness.access import membership_of
from readiness.audit import audit_record, changed, snapshot
from readiness.errors import Conflict, GateRefused
from readiness.gate import Blocker
from readiness.models import UseCase, User

COHORT_FIELDS = ("name", "team", "size", "planned_go_live")
GO_LIVE_TARGET = "cohort_go_live"


def _check_unique_name(cohort: Cohort) -> None:
    clash = Cohort.objects.filter(use_case_id=cohort.use_case_id, name__iexact=cohort.name)
    if cohort.pk:
        clash = clash.exclude(pk=cohort.pk)
    if clash.exists():
        raise ValidationError({"name": f"A cohort called “{cohort.name}” already exists."})


@transaction.atomic
def cohort_create(
    *,
    actor: User,
    use_case: UseCase,
    name: str,
    team: str,
    size: int,
    planned_go_live: dt.date | None = None,
    managers: Iterable[User] = (),
    members: Iterable[User] = (),
) -> Cohort:
    """A new planned cohort. Managers and members must belong to the use case's organization."""
    membership_of(actor, use_case.organization_id, predicate=MANAGE)
    managers, members = list(managers), list(members)
    cohort = Cohort(
        use_case=use_case,
        name=(name or "").strip(),
        team=(team or "").strip(),
        size=size,
        planned_go_live=planned_go_live,
        created_by=actor,
    )
    cohort.full_clean(exclude=["use_case"], validate_constraints=False)
    _check_unique_name(cohort)
    check_members(use_case.organization, managers, "managers")
    check_members(use_case.organization, members, "members")
    cohort.save()
    cohort.managers.set(managers)
    cohort.members.set(members)
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="cohort.create",
        target=cohort,
        use_case=use_case,
        after={
            **snapshot(cohort, COHORT_FIELDS),
            "managers": people_emails(managers),
            "members": people_emails(members),
        },
    )
    return cohort


@transaction.atomic
def cohort_update(
    *,
    actor: User,
    cohort: Cohort,
    managers: Iterable[User] | None = None,
    members: Iterable[User] | None = None,
    **fields: Any,
) -> Cohort:
    """Change a cohort's name, team, size, planned go-live, managers or members.

    A manager added to a live cohort must already be trained: the cohort went live on the
    promise that its managers are, and the readiness gate checks it again.
    """
    use_case = cohort.use_case
    membership_of(actor, use_case.organization_id, predicate=MANAGE)
    unknown = set(fields) - set(COHORT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    cohort = (
        Cohort.objects.select_for_update(of=("self",))
        .select_related("use_case__organization")
        .get(pk=cohort.pk)
    )
    before = {
        **snapshot(cohort, COHORT_FIELDS),
        "managers": people_emails(cohort.managers.all()),
        "members": people_emails(cohort.members.all()),
    }
    for name, value in fields.items():
        setattr(cohort, name, value.strip() if isinstance(value, str) else value)
    cohort.full_clean(exclude=["use_case"], validate_constraints=False)
    _check_unique_name(cohort)
    new_managers = list(managers) if managers is not None else list(cohort.managers.all())
    new_members = list(members) if members is not None else list(cohort.members.all())
    check_members(use_case.organization, new_managers, "managers")
    check_members(use_case.organization, new_members, "members")
    if cohort.is_live:
        untrained = untrained_managers(cohort, new_managers)
        if untrained:
            raise ValidationError(
                {
                    "managers": "This cohort is live: record the training of "
                    f"{', '.join(u.display_name for u in untrained)} before making them managers."
                }
            )
    after = {
        **snapshot(cohort, COHORT_FIELDS),
        "managers": people_emails(new_managers),
        "members": people_emails(new_members),
    }
    b, a = changed(before, after)
    if a:
        cohort.save()
        cohort.managers.set(new_managers)
        cohort.members.set(new_members)
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="cohort.update",
            target=cohort,
            use_case=use_case,
            before=b,
            after=a,
        )
    return cohort


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


def cohort_go_live(*, actor: User, cohort: Cohort, on: dt.date | None = None) -> Cohort:
    """Take the cohort live on ``on`` (today by default).

    Refuses with GateRefused listing every blocker (see :func:`go_live_blockers`); the refusal
    is audited and nothing else changes. Conflict if the cohort is already live. The cohort row
    is locked for the decision, so two concurrent requests take it live once.
    """
    membership_of(actor, cohort.use_case.organization_id, predicate=MANAGE)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"actual_go_live": "The go-live date cannot be in the future."})
    try:
        with transaction.atomic():
            locked = (
                Cohort.objects.select_for_update(of=("self",))
                .select_related("use_case__organization")
                .get(pk=cohort.pk)
            )
            if locked.is_live:
                raise Conflict(f"{locked.name} is already live.")
            blockers = go_live_blockers(locked)
            if blockers:
                raise GateRefused(GO_LIVE_TARGET, blockers)
            locked.status = CohortStatus.LIVE
            locked.actual_go_live = on
            locked.save(update_fields=["status", "actual_go_live", "updated_at"])
            audit_record(
                actor=actor,
                organization=locked.use_case.organization,
                action="cohort.go_live",
                target=locked,
                use_case=locked.use_case,
                before={"status": CohortStatus.PLANNED},
                after={"status": CohortStatus.LIVE, "actual_go_live": on},
            )
            return locked
    except GateRefused as refused:
        with transaction.atomic():
            audit_record(
                actor=actor,
                organization=cohort.use_case.organization,
                action="cohort.go_live_refused",
                target=cohort,
                use_case=cohort.use_case,
                after={"blockers": [b.message for b in refused.blockers]},
            )
        raise


# --- Training --------------------------------------------------------------------------------


@transaction.atomic
def training_record_add(
    *,
    actor: User,
    use_case: UseCase,
    user: User,
    topic: str,
    completed_on: dt.date,
    cohort: Cohort | None = None,
) -> TrainingRecord:
    """Record that ``user`` completed training on ``topic`` for the use case."""
    membership_of(actor, use_case.organization_id, predicate=MANAGE)
    if cohort is not None and cohort.use_case_id != use_case.pk:
        raise ValidationError({"cohort": "That cohort belongs to another use case."})
    check_members(use_case.organization, [user], "user")
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "Training cannot be completed in the future."})
    record = TrainingRecord(
        use_case=use_case,
        cohort=cohort,
        user=user,
        topic=(topic or "").strip(),
        completed_on=completed_on,
        recorded_by=actor,
    )
    record.full_clean(exclude=["use_case", "cohort", "user"], validate_constraints=False)
    if TrainingRecord.objects.filter(
        use_case=use_case, user=user, topic__iexact=record.topic
    ).exists():
        raise ValidationError(
            {"topic": f"{user.display_name} already has a record for “{record.topic}”."}
        )
    record.save()
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="training.record",
        target=record,
        use_case=use_case,
        after={
            "user": user.email,
            "topic": record.topic,
            "completed_on": completed_on,
            "cohort": cohort.name if cohort else None,
        },
    )
    return record
