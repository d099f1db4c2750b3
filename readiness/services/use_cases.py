"""Writes for use cases, their behavior spec, workstreams, checklist items and the 90-day plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness import defaults, events, gate
from readiness.access import WRITE, membership_of
from readiness.audit import audit_record, changed, snapshot
from readiness.errors import Conflict, GateRefused
from readiness.models import (
    BehaviorSpecVersion,
    ChecklistItem,
    Organization,
    Phase,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
    WorkstreamTemplate,
)
from readiness.scoring import priority_score

USE_CASE_FIELDS = (
    "name",
    "workflow",
    "team",
    "owner",
    "target_outcome",
    "risk_tier",
    "start_date",
    "repetition",
    "clear_handoffs",
    "cost_of_delay",
    "knowledge_lookup",
    "reviewability",
    "politically_sensitive",
)
WORKSTREAM_FIELDS = ("owner", "status", "health", "due_date", "notes")


def _check_owner(organization: Organization, owner: User | None, field: str = "owner") -> None:
    if owner is not None and not owner.memberships.filter(organization=organization).exists():
        raise ValidationError({field: "Choose a member of this organization."})


def _score(use_case: UseCase) -> int:
    return priority_score(
        repetition=use_case.repetition,
        clear_handoffs=use_case.clear_handoffs,
        cost_of_delay=use_case.cost_of_delay,
        knowledge_lookup=use_case.knowledge_lookup,
        reviewability=use_case.reviewability,
        politically_sensitive=use_case.politically_sensitive,
    )


def _phase_dates(start: dt.date, number: int) -> tuple[dt.date, dt.date]:
    first, last = Phase.DAY_RANGES[number]
    return start + dt.timedelta(days=first - 1), start + dt.timedelta(days=last - 1)


@transaction.atomic
def use_case_create(*, actor: User, organization: Organization, **fields: Any) -> UseCase:
    """A new use case in phase 1, with its seven workstreams and its three-phase plan.

    Workstreams are copied from the organization's templates as they stand now; the plan's
    phases are dated from ``start_date``. Raises ValidationError with field errors on bad input.
    """
    membership_of(actor, organization.pk, predicate=WRITE)
    unknown = set(fields) - set(USE_CASE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    use_case = UseCase(
        organization=organization,
        created_by=actor,
        current_phase=1,
        status=UseCaseStatus.PILOT,
        **fields,
    )
    _check_owner(organization, use_case.owner)
    use_case.full_clean(validate_constraints=False)
    if UseCase.objects.filter(organization=organization, name__iexact=use_case.name).exists():
        raise ValidationError({"name": f"A use case called “{use_case.name}” already exists."})
    use_case.priority_score = _score(use_case)
    use_case.save()

    templates = list(
        WorkstreamTemplate.objects.filter(organization=organization).order_by("number")
    )
    if not templates:  # an organization made outside organization_create: fall back to the defaults
        templates = [
            WorkstreamTemplate(
                number=d["number"], name=d["name"], purpose=d["purpose"], items=d["items"]
            )
            for d in defaults.WORKSTREAMS
        ]
    workstreams = Workstream.objects.bulk_create(
        Workstream(use_case=use_case, number=t.number, name=t.name, purpose=t.purpose)
        for t in templates
    )
    items = [
        ChecklistItem(workstream=ws, position=i, text=text)
        for ws, t in zip(workstreams, templates, strict=True)
        for i, text in enumerate(t.items)
    ]
    phases = Phase.objects.bulk_create(
        Phase(
            use_case=use_case,
            number=n,
            name=Phase.NAMES[n],
            first_day=Phase.DAY_RANGES[n][0],
            last_day=Phase.DAY_RANGES[n][1],
            planned_start=_phase_dates(use_case.start_date, n)[0],
            planned_end=_phase_dates(use_case.start_date, n)[1],
            actual_start=use_case.start_date if n == 1 else None,
        )
        for n in (1, 2, 3)
    )
    items += [
        ChecklistItem(phase=phase, position=i, text=text)
        for phase in phases
        for i, text in enumerate(defaults.PHASE_EXIT_CRITERIA[phase.number])
    ]
    ChecklistItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        organization=organization,
        action="use_case.create",
        target=use_case,
        use_case=use_case,
        after={**snapshot(use_case, USE_CASE_FIELDS), "priority_score": use_case.priority_score},
    )
    gate.use_case_created(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def use_case_update(*, actor: User, use_case: UseCase, **fields: Any) -> UseCase:
    """Change any of the editable fields; the priority is recomputed and, if the start date
    moved, the planned dates of phases not yet finished move with it."""
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    unknown = set(fields) - set(USE_CASE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    use_case = (
        UseCase.objects.select_for_update(of=("self",))
        .select_related("organization", "owner")
        .get(pk=use_case.pk)
    )
    before = {**snapshot(use_case, USE_CASE_FIELDS), "priority_score": use_case.priority_score}
    for name, value in fields.items():
        setattr(use_case, name, value)
    _check_owner(use_case.organization, use_case.owner)
    use_case.full_clean(validate_constraints=False)
    if (
        "name" in fields
        and UseCase.objects.filter(
            organization_id=use_case.organization_id, name__iexact=use_case.name
        )
        .exclude(pk=use_case.pk)
        .exists()
    ):
        raise ValidationError({"name": f"A use case called “{use_case.name}” already exists."})
    use_case.priority_score = _score(use_case)
    use_case.save()
    after = {**snapshot(use_case, USE_CASE_FIELDS), "priority_score": use_case.priority_score}
    b, a = changed(before, after)
    if "start_date" in a:
        for phase in Phase.objects.filter(use_case=use_case, actual_end__isnull=True):
            phase.planned_start, phase.planned_end = _phase_dates(use_case.start_date, phase.number)
            update = ["planned_start", "planned_end"]
            if phase.number == 1:
                phase.actual_start = use_case.start_date
                update.append("actual_start")
            phase.save(update_fields=update)
    if a:
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="use_case.update",
            target=use_case,
            use_case=use_case,
            before=b,
            after=a,
        )
    return use_case


@transaction.atomic
def behavior_spec_save(
    *, actor: User, use_case: UseCase, change_note: str = "", **fields: str
) -> BehaviorSpecVersion:
    """Save the spec as a new version; earlier versions are kept unchanged.

    Raises ValidationError if a field is missing or nothing differs from the current version.
    """
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    UseCase.objects.select_for_update().filter(pk=use_case.pk).values_list("pk").first()
    current = BehaviorSpecVersion.objects.filter(use_case=use_case).order_by("-version").first()
    spec = BehaviorSpecVersion(
        use_case=use_case,
        version=(current.version + 1) if current else 1,
        created_by=actor,
        change_note=change_note.strip(),
        **{f: (fields.get(f) or "").strip() for f in BehaviorSpecVersion.FIELDS},
    )
    spec.full_clean(exclude=["use_case"], validate_constraints=False)
    if current is not None and current.as_dict() == spec.as_dict():
        raise ValidationError("Nothing changed since version %(v)s.", params={"v": current.version})
    spec.save()
    b, a = changed(current.as_dict() if current else {}, spec.as_dict())
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="behavior_spec.save",
        target=spec,
        use_case=use_case,
        before=b or None,
        after={"version": spec.version, **a},
    )
    if current is not None:
        gate.material_change(
            use_case=use_case,
            actor=actor,
            kind="behavior_spec",
            description=f"Behavior spec changed to version {spec.version} ({', '.join(sorted(a)) or 'no fields'}).",
        )
    return spec


@transaction.atomic
def workstream_update(*, actor: User, workstream: Workstream, **fields: Any) -> Workstream:
    """Change owner, status, health, due date or notes of one workstream."""
    use_case = workstream.use_case
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    unknown = set(fields) - set(WORKSTREAM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    workstream = (
        Workstream.objects.select_for_update(of=("self",))
        .select_related("owner", "use_case__organization")
        .get(pk=workstream.pk)
    )
    before = snapshot(workstream, WORKSTREAM_FIELDS)
    for name, value in fields.items():
        setattr(workstream, name, value)
    _check_owner(use_case.organization, workstream.owner)
    workstream.full_clean(validate_constraints=False)
    b, a = changed(before, snapshot(workstream, WORKSTREAM_FIELDS))
    if a:
        workstream.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="workstream.update",
            target=workstream,
            use_case=use_case,
            before=b,
            after=a,
        )
    return workstream


@transaction.atomic
def checklist_item_set_done(*, actor: User, item: ChecklistItem, done: bool) -> ChecklistItem:
    """Tick or untick a workstream item or exit criterion. Ticking twice changes nothing."""
    parent = item.workstream or item.phase
    assert parent is not None
    use_case = parent.use_case
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.done == done:
        return item
    if item.phase_id is not None:
        phase = Phase.objects.get(pk=item.phase_id)
        if phase.is_complete:
            raise ValidationError("This phase has passed its gate; its exit criteria are final.")
    item.done = done
    item.done_by = actor if done else None
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done", "done_by", "done_at"])
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="exit_criterion.set_done" if item.phase_id else "workstream_item.set_done",
        target=item,
        use_case=use_case,
        before={"done": not done},
        after={"done": done},
    )
    return item


@transaction.atomic
def phase_update_dates(
    *, actor: User, phase: Phase, planned_start: dt.date, planned_end: dt.date
) -> Phase:
    """Re-plan a phase's dates; the end may not come before the start."""
    use_case = phase.use_case
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    if planned_end < planned_start:
        raise ValidationError(
            {"planned_end": "The planned end must be on or after the planned start."}
        )
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    fields = ("planned_start", "planned_end")
    before = snapshot(phase, fields)
    phase.planned_start, phase.planned_end = planned_start, planned_end
    b, a = changed(before, snapshot(phase, fields))
    if a:
        phase.save(update_fields=list(fields))
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="phase.update",
            target=phase,
            use_case=use_case,
            before=b,
            after=a,
        )
    return phase


def phase_transition(
    *, actor: User, use_case: UseCase, expected_phase: int | None = None
) -> UseCase:
    """Pass the gate in front of the use case: into its next phase, or out of the plan into production.

    Every registered check is asked; if any blocks, GateRefused lists them all and nothing
    changes (the refusal itself is audited). The use case row is locked for the decision, so
    of two concurrent requests only one moves it; with ``expected_phase`` the loser gets
    Conflict instead of moving the use case a second step.
    """
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    try:
        with transaction.atomic():
            locked = (
                UseCase.objects.select_for_update(of=("self",))
                .select_related("organization")
                .get(pk=use_case.pk)
            )
            if expected_phase is not None and locked.current_phase != expected_phase:
                raise Conflict(
                    f"{locked.name} is already in phase {locked.current_phase}; reload to see its current state."
                )
            target = gate.next_target(locked)
            if target is None:
                raise Conflict(
                    f"{locked.name} is {locked.get_status_display().lower()}; it has no next phase."
                )
            blockers = gate.evaluate(locked, target)
            if blockers:
                raise GateRefused(target.key, blockers)
            _advance(actor=actor, use_case=locked, target=target)
            gate.gate_outcome(
                use_case=locked, actor=actor, target=target.key, passed=True, blockers=[]
            )
            events.emit(
                organization=locked.organization,
                event="gate.passed",
                payload={
                    "use_case": {"id": locked.pk, "name": locked.name},
                    "target": target.key,
                    "actor": actor.email,
                },
            )
            return locked
    except GateRefused as refused:
        with transaction.atomic():
            audit_record(
                actor=actor,
                organization=use_case.organization,
                action="gate.refused",
                target=use_case,
                use_case=use_case,
                after={"target": refused.target, "blockers": [b.message for b in refused.blockers]},
            )
            gate.gate_outcome(
                use_case=use_case,
                actor=actor,
                target=refused.target,
                passed=False,
                blockers=refused.blockers,
            )
            events.emit(
                organization=use_case.organization,
                event="gate.refused",
                payload={
                    "use_case": {"id": use_case.pk, "name": use_case.name},
                    "target": refused.target,
                    "actor": actor.email,
                    "blockers": [b.message for b in refused.blockers],
                },
            )
        raise


def _advance(*, actor: User, use_case: UseCase, target: gate.Target) -> None:
    today = timezone.localdate()
    leaving = Phase.objects.select_for_update().get(
        use_case=use_case, number=use_case.current_phase
    )
    leaving.actual_end = today
    leaving.save(update_fields=["actual_end"])
    before = {"phase": use_case.current_phase, "status": use_case.status}
    if target.key == "production":
        use_case.status = UseCaseStatus.PRODUCTION
    else:
        use_case.current_phase += 1
        use_case.status = UseCaseStatus.IN_TRANSITION
        Phase.objects.filter(use_case=use_case, number=use_case.current_phase).update(
            actual_start=today
        )
    use_case.save(update_fields=["current_phase", "status", "updated_at"])
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="gate.passed",
        target=use_case,
        use_case=use_case,
        before=before,
        after={"phase": use_case.current_phase, "status": use_case.status, "target": target.key},
    )
