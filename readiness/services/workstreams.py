"""Writes for workstreams and their checklist items: owners and due dates, ticking the items
that are judgments, following the records for the items that state facts, and the status that
follows the items.

Items that state a fact (:mod:`readiness.facts`) are set only by
:func:`workstream_facts_refresh`, which the app holding the record calls inside its own
transaction; ticking one by hand is refused with Conflict naming the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from readiness import facts
from readiness.access import WRITE, membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.errors import Conflict
from readiness.facts import Fact, Source, fact_def
from readiness.models import (
    BehaviorSpecVersion,
    ChecklistItem,
    Integration,
    Organization,
    Phase,
    UseCase,
    User,
    Workstream,
    WorkstreamStatus,
)
from readiness.scoring import CRITERIA
from readiness.versioning import check_version, lock_checked

WORKSTREAM_FIELDS = ("owner", "status", "health", "due_date", "notes")
ITEM_FIELDS = ("owner", "due_date")


# LOCK ORDER. Writers take row locks in one order, so two of them never wait on each other:
# the use case, then its workstreams (by id), then their items, then (last) the audit chain
# head. Moving dates (a phase, a workstream) locks workstreams before it updates items; so
# ticking an item, or items following their records, lock the workstreams first too.
def lock_plan(use_case_id: int) -> None:
    """Lock the use case's row first (FOR NO KEY UPDATE): every change to its plan (phase
    dates, workstreams, items) then queues behind the others on one row instead of meeting
    them halfway through the workstreams and items (LOCK ORDER)."""
    list(
        UseCase.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=use_case_id)
        .order_by()
        .values_list("pk")
    )


def _lock_workstreams(ids: Iterable[int]) -> None:
    list(
        Workstream.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=list(ids))
        .order_by("pk")
        .values_list("pk")
    )


def check_member(organization: Organization, user: User | None, field: str = "owner") -> None:
    if user is not None and not user.memberships.filter(organization=organization).exists():
        raise ValidationError({field: "Choose a member of this organization."})


def _counts(workstream_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """(done, total) items per workstream id (one query)."""
    return {
        row["workstream_id"]: (row["n_done"], row["n_total"])
        for row in ChecklistItem.objects.filter(workstream_id__in=list(workstream_ids))
        .values("workstream_id")
        .annotate(n_total=Count("pk"), n_done=Count("pk", filter=Q(done=True)))
        .order_by()
    }


def _check_status(workstream: Workstream, status: str) -> None:
    """A status a person may choose: the one the items give, or a flag on unfinished work."""
    done, total = _counts([workstream.pk]).get(workstream.pk, (0, 0))
    if not total:
        return
    derived = facts.progress_status(done, total)
    if status == derived:
        return
    label = WorkstreamStatus(derived).label
    if status in facts.FLAGS and derived != facts.DONE:
        return
    if derived == facts.DONE:
        message = (
            f"All {total} items are done, so the workstream is done. Untick an item before "
            "flagging it."
        )
    else:
        message = (
            f"The status follows the checklist: {done} of {total} items are done, so it is "
            f"“{label}”. Tick the items to move it on, or choose “At risk” or “Blocked” to flag it."
        )
    raise ValidationError({"status": message})


def workstreams_follow_items(*, workstream_ids: Collection[int], actor: Any = None) -> None:
    """Set each workstream's status from its items (see :func:`readiness.facts.followed_status`).

    Runs inside the caller's transaction; the rows are locked in primary-key order, and each
    change is audited (the actor is who changed the items, or "system")."""
    if not workstream_ids:
        return
    locked = list(
        Workstream.objects.select_for_update(no_key=True, of=("self",))
        .select_related("use_case__organization")
        .filter(pk__in=list(workstream_ids))
        .order_by("pk")
    )
    counts = _counts([w.pk for w in locked])
    for ws in locked:
        done, total = counts.get(ws.pk, (0, 0))
        new = facts.followed_status(ws.status, done, total)
        if new == ws.status:
            continue
        before = ws.status
        ws.status = new
        ws.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor or "system",
            organization=ws.use_case.organization,
            action="workstream.status_follow",
            target=ws,
            use_case=ws.use_case,
            before={"status": before},
            after={"status": new, "items_done": f"{done} of {total}"},
        )


def _move_item_dates(items: Any, old: dt.date | None, new: dt.date | None) -> int:
    if old is None or new is None or old == new:
        return 0
    return int(
        items.filter(due_date=old, done=False).update(due_date=new, version=F("version") + 1)
    )


@transaction.atomic
def workstream_update(
    *, actor: User, workstream: Workstream, expected_version: int | None = None, **fields: Any
) -> Workstream:
    """Change owner, status, health, due date or notes of one workstream.

    The status follows the items: a person may choose the status the items give, or flag
    unfinished work at risk or blocked (ValidationError on ``status`` otherwise, saying why).
    Moving the due date moves the open items that were due with it. With ``expected_version``,
    StaleVersion if the workstream changed since (nothing saved).
    """
    use_case = workstream.use_case
    membership_of(actor, use_case.organization_id, perm=WRITE)
    lock_plan(use_case.pk)
    unknown = set(fields) - set(WORKSTREAM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    # Lock the row alone first, then read it with its owner: a joined FOR UPDATE re-reads only
    # the locked row after waiting and can hand back a NULL owner (a wrong audit ``before``).
    Workstream.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk=workstream.pk
    ).values_list("pk").first()
    workstream = Workstream.objects.select_related("owner", "use_case__organization").get(
        pk=workstream.pk
    )
    check_version(workstream, expected_version)
    before = snapshot(workstream, WORKSTREAM_FIELDS)
    old_due = workstream.due_date
    for name, value in fields.items():
        setattr(workstream, name, value)
    check_member(use_case.organization, workstream.owner)
    workstream.full_clean(validate_constraints=False)
    if "status" in fields and fields["status"] != before["status"]:
        _check_status(workstream, workstream.status)
    b, a = changed(before, snapshot(workstream, WORKSTREAM_FIELDS))
    if a:
        workstream.save(update_fields=[*fields, "updated_at"])
        moved = _move_item_dates(
            ChecklistItem.objects.filter(workstream=workstream), old_due, workstream.due_date
        )
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="workstream.update",
            target=workstream,
            use_case=use_case,
            before=b,
            after={**a, **({"items_moved_with_due_date": moved} if moved else {})},
        )
    return workstream


def _use_case_of(item: ChecklistItem) -> UseCase:
    parent = item.workstream or item.phase
    assert parent is not None
    return parent.use_case


def refuse_fact_tick(item: ChecklistItem) -> None:
    """Conflict, naming the record, for an item that follows a fact."""
    if not item.fact:
        return
    d = fact_def(item.fact)
    raise Conflict(
        f"“{item.text}” follows {d.record} and cannot be ticked by hand. {d.how} "
        f"Change the record on the {d.label} page."
    )


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def checklist_item_set_done(*, actor: User, item: ChecklistItem, done: bool) -> ChecklistItem:
    """Tick or untick a workstream item or exit criterion that is a judgment. Ticking twice
    changes nothing. An item that follows a record is refused (Conflict, naming the record); an
    exit criterion of a phase past its gate is final (ValidationError). The workstream's status
    follows."""
    use_case = _use_case_of(item)
    membership_of(actor, use_case.organization_id, perm=WRITE)
    lock_plan(use_case.pk)
    if item.workstream_id is not None:  # lock order: workstream, then its items (LOCK ORDER)
        _lock_workstreams([item.workstream_id])
    item = ChecklistItem.objects.select_for_update(of=("self",)).order_by().get(pk=item.pk)
    refuse_fact_tick(item)
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
    if item.workstream_id is not None:
        workstreams_follow_items(workstream_ids=[item.workstream_id], actor=actor)
    return item


@transaction.atomic
def checklist_item_update(
    *, actor: User, item: ChecklistItem, expected_version: int | None = None, **fields: Any
) -> ChecklistItem:
    """Set who owns a workstream item or exit criterion and when it is due (either may be
    empty: the owner then is the workstream's, or the use case's for an exit criterion).

    Program managers and admins. ValidationError by field: an owner from outside the
    organization, an unknown field, or an exit criterion of a phase past its gate (final).
    With ``expected_version``, StaleVersion if the item changed since (nothing saved).
    """
    use_case = _use_case_of(item)
    membership_of(actor, use_case.organization_id, perm=WRITE)
    lock_plan(use_case.pk)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if item.workstream_id is not None:  # LOCK ORDER: the workstream, then its item
        _lock_workstreams([item.workstream_id])
    ChecklistItem.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk=item.pk
    ).values_list("pk").first()
    item = ChecklistItem.objects.select_related("owner").get(pk=item.pk)  # read after the lock
    check_version(item, expected_version)
    if item.phase_id is not None and Phase.objects.get(pk=item.phase_id).is_complete:
        raise ValidationError("This phase has passed its gate; its exit criteria are final.")
    before = snapshot(item, ITEM_FIELDS)
    for name, value in fields.items():
        setattr(item, name, value)
    check_member(use_case.organization, item.owner)
    b, a = changed(before, snapshot(item, ITEM_FIELDS))
    if a:
        item.save(update_fields=list(fields))
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="exit_criterion.update" if item.phase_id else "workstream_item.update",
            target=item,
            use_case=use_case,
            before=b,
            after=a,
        )
    return item


@transaction.atomic
@audit_at_end()  # both changes are made first, then their records
def checklist_item_change(
    *,
    actor: User,
    item: ChecklistItem,
    done: bool | None = None,
    expected_version: int | None = None,
    **planning: Any,
) -> ChecklistItem:
    """:func:`checklist_item_update` (owner, due date) and :func:`checklist_item_set_done` in
    one transaction, for a request that sends both; either part may be absent. With
    ``expected_version``, StaleVersion if the item changed since (nothing saved)."""
    use_case = _use_case_of(item)
    membership_of(actor, use_case.organization_id, perm=WRITE)
    lock_plan(use_case.pk)  # LOCK ORDER: the use case, its workstream, then the item
    if item.workstream_id is not None:
        _lock_workstreams([item.workstream_id])
    lock_checked(ChecklistItem, item.pk, expected_version)
    if planning:
        item = checklist_item_update(actor=actor, item=item, **planning)
    if done is not None:
        item = checklist_item_set_done(actor=actor, item=item, done=done)
    return item


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def workstream_facts_refresh(
    *,
    use_case: UseCase,
    source: Source,
    facts: Mapping[Fact, bool],
    actor: Any = None,
) -> int:
    """Tick or untick the use case's items that follow these facts, so that they match them.

    The app that holds the records (``source``) calls this inside its own transaction whenever
    they may have changed; a fact of another source raises ValueError (a programming error, so
    no app sets another's facts). Items already right are left alone, so calling it twice
    changes nothing. Each item that changes is audited (the actor is who changed the record, or
    "system"), and its workstream's status follows. Returns how many items changed.
    """
    foreign = sorted(str(f) for f in facts if fact_def(f).source != source)
    if foreign:
        raise ValueError(f"{source} does not hold the facts {', '.join(foreign)}")
    if not facts:
        return 0
    # Lock order: the use case's workstreams, then their items (LOCK ORDER, above).
    _lock_workstreams(
        Workstream.objects.filter(use_case_id=use_case.pk).values_list("pk", flat=True)
    )
    items = list(  # of=self: the items alone, not the workstreams joined to filter them
        ChecklistItem.objects.select_for_update(of=("self",))
        .filter(workstream__use_case_id=use_case.pk, fact__in=[str(f) for f in facts])
        .order_by("pk")
    )
    now = timezone.now()
    person = actor if getattr(actor, "pk", None) else None
    moved = []
    for item in items:
        want = bool(facts[Fact(item.fact)])
        if item.done == want:
            continue
        item.done = want
        item.done_by = person if want else None
        item.done_at = now if want else None
        moved.append(item)
    if not moved:
        return 0
    ChecklistItem.objects.bulk_update(moved, ["done", "done_by", "done_at"])
    organization = Organization.objects.get(pk=use_case.organization_id)
    for item in moved:
        audit_record(
            actor=actor or "system",
            organization=organization,
            action="workstream_item.follow_record",
            target=item,
            use_case=use_case,
            before={"done": not item.done},
            after={"done": item.done, "record": fact_def(item.fact).record},
        )
    workstreams_follow_items(
        workstream_ids=sorted({i.workstream_id for i in moved if i.workstream_id}), actor=actor
    )
    return len(moved)


# --- Readiness's own facts: the economics, the behavior spec, the integrations ----------------


def economics_follow(*, use_case: UseCase, actor: Any = None) -> int:
    """The workflow economics items follow the use case's five scores."""
    scores = {name: getattr(use_case, name) for name in CRITERIA}
    return workstream_facts_refresh(
        use_case=use_case,
        source=Source.READINESS,
        facts=facts.economics_facts(scores),
        actor=actor,
    )


def spec_follow(*, use_case: UseCase, actor: Any = None) -> int:
    """The production behavior items follow the fields of the current spec version."""
    current = BehaviorSpecVersion.objects.filter(use_case=use_case).order_by("-version").first()
    return workstream_facts_refresh(
        use_case=use_case,
        source=Source.READINESS,
        facts=facts.spec_facts(current.as_dict() if current else None),
        actor=actor,
    )


def integrations_follow(*, use_case: UseCase, actor: Any = None) -> int:
    """The integration items follow the five concerns of the use case's integrations."""
    rows = Integration.objects.filter(use_case=use_case).values("status", *Integration.CONCERNS)
    return workstream_facts_refresh(
        use_case=use_case,
        source=Source.READINESS,
        facts=facts.integration_facts(list(rows)),
        actor=actor,
    )


# --- Due dates that follow the plan ----------------------------------------------------------


def due_dates_follow_phase(*, use_case: UseCase, old_end: dt.date, new_end: dt.date) -> int:
    """When a phase's planned end moves, what was due on the old end moves with it: open
    workstreams, open workstream items and open exit criteria due that day. A date set by
    hand to another day stays. Runs in the caller's transaction; returns how many moved."""
    if old_end == new_end:
        return 0
    moved = (
        Workstream.objects.filter(use_case=use_case, due_date=old_end)
        .exclude(status=WorkstreamStatus.DONE)
        .update(due_date=new_end, version=F("version") + 1)
    )
    moved += _move_item_dates(
        ChecklistItem.objects.filter(
            Q(workstream__use_case=use_case) | Q(phase__use_case=use_case)
        ),
        old_end,
        new_end,
    )
    return int(moved)
