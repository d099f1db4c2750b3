"""Writes for use cases, their behavior spec and the 90-day plan (workstreams and their items:
:mod:`readiness.services.workstreams`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness import defaults, events, facts
from readiness.access import WRITE, membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.errors import StaleVersion
from readiness.models import (
    BehaviorSpecVersion,
    ChecklistItem,
    Organization,
    Phase,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
    WorkstreamStatus,
    WorkstreamTemplate,
)
from readiness.scoring import CRITERIA, priority_score
from readiness.services.workstreams import (
    check_member,
    due_dates_follow_phase,
    economics_follow,
    lock_plan,
    spec_follow,
)
from readiness.versioning import check_version

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


def _check_owner(organization: Organization, owner: User | None, field: str = "owner") -> None:
    check_member(organization, owner, field)


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


def locked_use_case(pk: int) -> UseCase:
    """The use case, locked for this transaction, as it stands once the lock is granted.

    The lock is taken first, on the row alone (FOR NO KEY UPDATE: inserts that reference the use
    case are not blocked), and the row and its organization and owner are read after it: a
    ``select_for_update(of=("self",))`` joined to them re-reads only the locked row after
    waiting, and could hand back a NULL owner (issue 10).
    """
    list(
        UseCase.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=pk)
        .order_by()
        .values_list("pk")
    )
    return UseCase.objects.select_related("organization", "owner").get(pk=pk)


@transaction.atomic
@audit_at_end()  # governance's checklist (UseCaseCreated) is written after the record is made
def use_case_create(*, actor: User, organization: Organization, **fields: Any) -> UseCase:
    """A new use case in phase 1, with its seven workstreams and its three-phase plan.

    Workstreams are copied from the organization's templates as they stand now: first the items
    that follow facts (readiness.facts), then the judgments. The plan's phases are dated from
    ``start_date``. Each workstream is owned by the use case's owner (or, without one, by its
    creator) and due, like its items, at the end of the phase it belongs to
    (``facts.WORKSTREAM_PHASE``); exit criteria are due at their phase's planned end. The
    economics items follow the scores given. Raises ValidationError with field errors on bad
    input.
    """
    membership_of(actor, organization.pk, perm=WRITE)
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
                number=d["number"],
                name=d["name"],
                purpose=d["purpose"],
                facts=d["facts"],
                items=d["items"],
            )
            for d in defaults.WORKSTREAMS
        ]
    ends = {n: _phase_dates(use_case.start_date, n)[1] for n in (1, 2, 3)}
    owner = use_case.owner or actor
    # The scores are known now: their items start ticked (the creation's audit has the scores).
    scores = {name: getattr(use_case, name) for name in CRITERIA}
    known = {str(fact): done for fact, done in facts.economics_facts(scores).items()}
    now = timezone.now()
    planned = [(t, _template_items(t)) for t in templates]
    workstreams = Workstream.objects.bulk_create(
        Workstream(
            use_case=use_case,
            number=t.number,
            name=t.name,
            purpose=t.purpose,
            owner=owner,
            due_date=ends[facts.workstream_phase(t.number)],
            status=facts.followed_status(
                WorkstreamStatus.NOT_STARTED,
                sum(1 for _, fact in rows if known.get(fact, False)),
                len(rows),
            ),
        )
        for t, rows in planned
    )
    items = [
        ChecklistItem(
            workstream=ws,
            position=i,
            text=text,
            fact=fact,
            due_date=ws.due_date,
            done=bool(known.get(fact)),
            done_by=actor if known.get(fact) else None,
            done_at=now if known.get(fact) else None,
        )
        for ws, (_, rows) in zip(workstreams, planned, strict=True)
        for i, (text, fact) in enumerate(rows)
    ]
    phases = Phase.objects.bulk_create(
        Phase(
            use_case=use_case,
            number=n,
            name=Phase.NAMES[n],
            first_day=Phase.DAY_RANGES[n][0],
            last_day=Phase.DAY_RANGES[n][1],
            planned_start=_phase_dates(use_case.start_date, n)[0],
            planned_end=ends[n],
            actual_start=use_case.start_date if n == 1 else None,
        )
        for n in (1, 2, 3)
    )
    items += [
        ChecklistItem(phase=phase, position=i, text=text, due_date=phase.planned_end)
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
    events.publish(events.UseCaseCreated(use_case=use_case, actor=actor))
    return use_case


def _template_items(template: WorkstreamTemplate) -> list[tuple[str, str]]:
    """(text, fact) of a template's items: its facts (in the template's order) then its
    judgments (fact ""). A fact key no longer defined is left out."""
    known = [facts.FACTS[f] for f in template.facts if f in facts.FACTS]
    return [(d.text, d.fact.value) for d in known] + [(text, "") for text in template.items]


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def use_case_update(
    *, actor: User, use_case: UseCase, expected_version: int | None = None, **fields: Any
) -> UseCase:
    """Change any of the editable fields; the priority is recomputed and, if the start date
    moved, the planned dates of phases not yet finished move with it. With
    ``expected_version``, StaleVersion if the use case changed since (nothing saved)."""
    membership_of(actor, use_case.organization_id, perm=WRITE)
    unknown = set(fields) - set(USE_CASE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    use_case = locked_use_case(use_case.pk)
    check_version(use_case, expected_version)
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
        for phase in Phase.objects.filter(use_case=use_case, actual_end__isnull=True).order_by(
            "number"
        ):
            old_end = phase.planned_end
            phase.planned_start, phase.planned_end = _phase_dates(use_case.start_date, phase.number)
            update = ["planned_start", "planned_end"]
            if phase.number == 1:
                phase.actual_start = use_case.start_date
                update.append("actual_start")
            phase.save(update_fields=update)
            due_dates_follow_phase(use_case=use_case, old_end=old_end, new_end=phase.planned_end)
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
    if any(name in a for name in CRITERIA):
        economics_follow(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
@audit_at_end()  # the material change below sends passed gates back to review, then the record
def behavior_spec_save(
    *,
    actor: User,
    use_case: UseCase,
    change_note: str = "",
    expected_version: int | None = None,
    **fields: Any,
) -> BehaviorSpecVersion:
    """Save the spec as a new version; earlier versions are kept unchanged.

    A version may leave fields empty (a spec is written field by field); each field filled in
    ticks its production behavior item, and one emptied unticks it. Raises ValidationError if
    every field is empty or nothing differs from the current version. With ``expected_version``
    (the version the writer started from; 0 for none yet), StaleVersion naming what the newer
    versions changed, and nothing is saved.
    """
    membership_of(actor, use_case.organization_id, perm=WRITE)
    UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(pk=use_case.pk).values_list(
        "pk"
    ).first()
    current = (
        BehaviorSpecVersion.objects.filter(use_case=use_case)
        .select_related("created_by")
        .order_by("-version")
        .first()
    )
    if expected_version is not None and expected_version != (current.version if current else 0):
        raise _stale_spec(use_case, expected_version, current)
    spec = BehaviorSpecVersion(
        use_case=use_case,
        version=(current.version + 1) if current else 1,
        created_by=actor,
        change_note=change_note.strip(),
        **{f: (fields.get(f) or "").strip() for f in BehaviorSpecVersion.FIELDS},
    )
    spec.full_clean(exclude=["use_case"], validate_constraints=False)
    if not any(spec.as_dict().values()):
        raise ValidationError("Write at least one field of the spec.")
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
        events.publish(
            events.MaterialChange(
                use_case=use_case,
                actor=actor,
                kind="behavior_spec",
                description=f"Behavior spec changed to version {spec.version} ({', '.join(sorted(a)) or 'no fields'}).",
            )
        )
    spec_follow(use_case=use_case, actor=actor)
    return spec


def _stale_spec(
    use_case: UseCase, expected: int, current: BehaviorSpecVersion | None
) -> StaleVersion:
    seen = BehaviorSpecVersion.objects.filter(use_case=use_case, version=expected).first()
    now = current.as_dict() if current else {}
    then = seen.as_dict() if seen else {}
    return StaleVersion(
        label="behavior spec",
        expected=expected,
        current=current.version if current else 0,
        changed_fields=[f for f in BehaviorSpecVersion.FIELDS if now.get(f) != then.get(f)],
        changed_by=current.created_by.email if current and current.created_by else "",
        changed_at=(
            timezone.localtime(current.created_at).strftime("%Y-%m-%d %H:%M") if current else ""
        ),
    )


@transaction.atomic
def phase_update_dates(
    *,
    actor: User,
    phase: Phase,
    planned_start: dt.date,
    planned_end: dt.date,
    expected_version: int | None = None,
) -> Phase:
    """Re-plan a phase's dates; the end may not come before the start. What was due on the
    old planned end (open workstreams, items, exit criteria) moves to the new one."""
    use_case = phase.use_case
    membership_of(actor, use_case.organization_id, perm=WRITE)
    if planned_end < planned_start:
        raise ValidationError(
            {"planned_end": "The planned end must be on or after the planned start."}
        )
    lock_plan(phase.use_case_id)  # LOCK ORDER (readiness.services.workstreams)
    phase = Phase.objects.select_for_update(no_key=True, of=("self",)).get(pk=phase.pk)
    check_version(phase, expected_version)
    fields = ("planned_start", "planned_end")
    before = snapshot(phase, fields)
    before_end = phase.planned_end
    phase.planned_start, phase.planned_end = planned_start, planned_end
    b, a = changed(before, snapshot(phase, fields))
    if a:
        old_end = before_end
        phase.save(update_fields=list(fields))
        moved = due_dates_follow_phase(use_case=use_case, old_end=old_end, new_end=planned_end)
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="phase.update",
            target=phase,
            use_case=use_case,
            before=b,
            after={**a, **({"due_dates_moved": moved} if moved else {})},
        )
    return phase
