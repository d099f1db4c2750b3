"""Cohorts, their training records and their go-live (a small gate of its own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.models import Cohort, CohortStatus, TrainingRecord
from adoption.selectors import go_live_blockers, untrained_managers
from adoption.services.common import check_members, people_emails
from adoption.workstream_facts import facts_push
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.errors import Conflict, GateRefused
from readiness.models import Perm, UseCase, User
from readiness.versioning import check_version

COHORT_FIELDS = ("name", "team", "size", "planned_go_live")
GO_LIVE_TARGET = "cohort_go_live"


def _check_unique_name(cohort: Cohort) -> None:
    clash = Cohort.objects.filter(use_case_id=cohort.use_case_id, name__iexact=cohort.name)
    if cohort.pk:
        clash = clash.exclude(pk=cohort.pk)
    if clash.exists():
        raise ValidationError({"name": f"A cohort called “{cohort.name}” already exists."})


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
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
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
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
    facts_push(use_case=use_case, actor=actor)
    return cohort


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def cohort_update(
    *,
    actor: User,
    cohort: Cohort,
    managers: Iterable[User] | None = None,
    members: Iterable[User] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Cohort:
    """Change a cohort's name, team, size, planned go-live, managers or members. With
    ``expected_version``, StaleVersion if the cohort changed since (nothing saved).

    A manager added to a live cohort must already be trained: the cohort went live on the
    promise that its managers are, and the readiness gate checks it again.
    """
    use_case = cohort.use_case
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    unknown = set(fields) - set(COHORT_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    cohort = (
        Cohort.objects.select_for_update(of=("self",), no_key=True)
        .select_related("use_case__organization")
        .get(pk=cohort.pk)
    )
    check_version(cohort, expected_version)
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
        facts_push(use_case=use_case, actor=actor)
    return cohort


def cohort_go_live(*, actor: User, cohort: Cohort, on: dt.date | None = None) -> Cohort:
    """Take the cohort live on ``on`` (today by default).

    Refuses with GateRefused listing every blocker (see
    :func:`adoption.selectors.go_live_blockers`); the refusal
    is audited and nothing else changes. Conflict if the cohort is already live. The cohort row
    is locked for the decision, so two concurrent requests take it live once.
    """
    membership_of(actor, cohort.use_case.organization_id, perm=Perm.EDIT)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"actual_go_live": "The go-live date cannot be in the future."})
    try:
        with transaction.atomic():
            locked = (
                Cohort.objects.select_for_update(of=("self",), no_key=True)
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
@audit_at_end()  # the items and workstreams follow first, then the records
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
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
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
    facts_push(use_case=use_case, actor=actor)
    return record
