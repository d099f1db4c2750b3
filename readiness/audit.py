"""Writing and verifying the audit trail. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from readiness.models import AuditEvent, Organization, UseCase


def jsonable(value: Any) -> Any:
    """A value as it should stand in an audit record: plain JSON, users by email."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return getattr(value, "email", None) or str(value.pk)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``instance``; foreign keys are given as the related object."""
    return {name: jsonable(getattr(instance, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor: Any,
    organization: Organization,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    use_case: UseCase | None = None,
) -> AuditEvent:
    """Append one event to the organization's chain.

    Must run inside the caller's transaction so the change and its record commit together.
    The organization row is locked so that concurrent writers extend the chain one at a time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk").first()
    prev = (
        AuditEvent.objects.filter(organization=organization)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    )
    event = AuditEvent(
        organization=organization,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "email", None) or str(actor or "system"),
        action=action,
        target_type=target._meta.model_name or "",
        target_id=str(target.pk),
        target_label=str(target)[:300],
        use_case=use_case,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        prev_hash=prev or "",
    )
    event.hash = event.compute_hash()
    event.save()
    return event


def verify_chain(organization: Organization) -> list[str]:
    """Problems found walking the organization's chain in order; empty when intact."""
    problems: list[str] = []
    prev = ""
    for event in AuditEvent.objects.filter(organization=organization).order_by("id").iterator():
        if event.prev_hash != prev:
            problems.append(
                f"event {event.pk}: previous hash does not match (an event was removed or reordered)"
            )
        if event.compute_hash() != event.hash:
            problems.append(f"event {event.pk}: content does not match its hash (it was edited)")
        prev = event.hash
    return problems
