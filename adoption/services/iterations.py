"""The iteration log of the rollout."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from adoption.models import (
    IterationEntry,
)
from readiness.access import membership_of
from readiness.audit import audit_record, changed, snapshot
from readiness.models import Perm, UseCase, User
from readiness.versioning import check_version

ITERATION_FIELDS = ("happened_on", "change", "reason", "outcome")


@transaction.atomic
def iteration_entry_add(
    *,
    actor: User,
    use_case: UseCase,
    happened_on: dt.date,
    change: str,
    reason: str,
    outcome: str = "",
) -> IterationEntry:
    """Add one entry to the use case's iteration log."""
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    entry = IterationEntry(
        use_case=use_case,
        happened_on=happened_on,
        change=(change or "").strip(),
        reason=(reason or "").strip(),
        outcome=(outcome or "").strip(),
        recorded_by=actor,
    )
    entry.full_clean(exclude=["use_case"], validate_constraints=False)
    if happened_on > timezone.localdate():
        raise ValidationError(
            {"happened_on": "Log changes that have happened: the date is in the future."}
        )
    entry.save()
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="iteration.add",
        target=entry,
        use_case=use_case,
        after=snapshot(entry, ITERATION_FIELDS),
    )
    return entry


@transaction.atomic
def iteration_entry_update(
    *, actor: User, entry: IterationEntry, expected_version: int | None = None, **fields: Any
) -> IterationEntry:
    """Correct an entry or record its outcome once known. With ``expected_version``,
    StaleVersion if the entry changed since (nothing saved)."""
    use_case = entry.use_case
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    unknown = set(fields) - set(ITERATION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    entry = IterationEntry.objects.select_for_update(no_key=True, of=("self",)).get(pk=entry.pk)
    check_version(entry, expected_version)
    before = snapshot(entry, ITERATION_FIELDS)
    for name, value in fields.items():
        setattr(entry, name, value.strip() if isinstance(value, str) else value)
    entry.full_clean(exclude=["use_case"], validate_constraints=False)
    if entry.happened_on > timezone.localdate():
        raise ValidationError(
            {"happened_on": "Log changes that have happened: the date is in the future."}
        )
    b, a = changed(before, snapshot(entry, ITERATION_FIELDS))
    if a:
        entry.save(update_fields=list(a))
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="iteration.update",
            target=entry,
            use_case=use_case,
            before=b,
            after=a,
        )
    return entry
