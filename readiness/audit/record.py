"""Writing the audit trail. Services call :func:`audit_record` inside their transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import json
import logging
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from readiness import events
from readiness.audit import chain
from readiness.models import AuditChainHead, AuditEvent, Organization, UseCase

logger = logging.getLogger("readiness.audit")


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
    """The named fields of ``instance``; foreign keys are given as the related object.

    Take it from a row read after its lock was granted, and without ``select_related``: a
    ``SELECT ... FOR UPDATE OF self`` that waited for another writer re-reads the locked row but
    not the rows joined to it, so a joined owner can come back as NULL (issue 10). Each related
    object is then fetched by its own query, which sees the committed row.
    """
    return {name: jsonable(getattr(instance, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class _Queue(threading.local):
    depth = 0
    events: list[tuple[AuditEvent, str]]

    def __init__(self) -> None:
        self.events = []


_queue = _Queue()


@contextlib.contextmanager
def audit_at_end() -> Iterator[None]:
    """Hold the audit records made inside this block and append them when it ends.

    For a service whose audit record is followed by more work in its transaction (a
    notification, an event whose subscribers write, another service's call): the records keep
    the order and content they were made with, and are appended last, as :func:`audit_record`
    requires. Use it inside the transaction (``@transaction.atomic`` above ``@audit_at_end()``,
    or ``with transaction.atomic(), audit_at_end():``); blocks may nest, and the outermost
    appends. An exception leaving a block discards the records held in it, as its changes are
    rolled back; a savepoint rolled back *inside* a block, its exception caught there, does not
    take its records with it, so make a record after any savepoint that may roll back.
    """
    _queue.depth += 1
    held_before = len(_queue.events)
    try:
        yield
    except BaseException:
        del _queue.events[held_before:]  # this block's records go with its failed change
        raise
    finally:
        _queue.depth -= 1
    if _queue.depth == 0 and _queue.events:
        held, _queue.events = _queue.events, []
        _append(held)


def _lock_head(organization_id: int) -> AuditChainHead:
    head = _lock_existing_head(organization_id)
    if head is None:  # the organization's first record: make its head, racing nobody twice
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(organization_id=organization_id)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update(of=("self",)).get(pk=organization_id)
    return head


def _lock_existing_head(organization_id: int) -> AuditChainHead | None:
    """The organization's chain head, locked until commit; None before its first record.

    On PostgreSQL a plain statement: compiling the ORM's query cost more than running it, on
    every audited write (ingestion batches above all)."""
    if connection.vendor != "postgresql":
        return (
            AuditChainHead.objects.select_for_update(of=("self",))
            .filter(pk=organization_id)
            .first()
        )
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_HEAD_SQL, [organization_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return AuditChainHead(organization_id=organization_id, sequence=row[0], hash=row[1])


_LOCK_HEAD_SQL = (
    'SELECT "sequence", "hash" FROM "readiness_auditchainhead"'
    ' WHERE "organization_id" = %s FOR UPDATE'
)


def _append(events: list[tuple[AuditEvent, str]]) -> None:
    """Number, hash and insert the records, each organization's after its chain head."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit records must be appended inside the service's transaction")
    heads: dict[int, AuditChainHead] = {}
    chained: dict[int, list[AuditEvent]] = {}
    content: dict[int, int] = {}  # the newest record that is not routine, by organization
    for event, slug in events:
        org_id = event.organization_id
        head = heads.get(org_id) or _lock_head(org_id)
        event.sequence = head.sequence + 1
        event.prev_hash = head.hash
        event.created_at = timezone.now()
        event.hash = chain.record_hash(chain.event_fields(event))
        chained.setdefault(org_id, []).append(event)
        head.sequence, head.hash = event.sequence, event.hash
        heads[org_id] = head
        if not getattr(event, "routine", False):
            content[org_id] = event.sequence
        line = {
            "kind": "append",
            "organization": org_id,
            "slug": slug,
            "sequence": event.sequence,
            "head": event.hash,
            "at": chain.timestamp(event.created_at),
            "action": event.action,
        }
        line["signature"] = chain.sign(line)
        transaction.on_commit(functools.partial(_log, line))
    for org_id, head in heads.items():
        if connection.vendor == "postgresql":
            _insert_and_move_head(chained[org_id], head, content.get(org_id))
            continue
        for event in chained[org_id]:
            event.save(force_insert=True)
        moved: dict[str, Any] = {"content_sequence": content[org_id]} if org_id in content else {}
        AuditChainHead.objects.filter(pk=org_id).update(
            sequence=head.sequence, hash=head.hash, updated_at=timezone.now(), **moved
        )


_EVENT_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not isinstance(f, models.AutoField)]


def _insert_and_move_head(
    events: list[AuditEvent], head: AuditChainHead, content_sequence: int | None
) -> None:
    """Insert one organization's new records and move its chain head to the last of them (and
    its content sequence, unless every record is routine), in one statement (PostgreSQL): one
    round trip less while the head is locked, which every writer of the organization waits
    for. The same rows as ``save()`` and ``update()``."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _EVENT_FIELDS)
    row = "(" + ", ".join(["%s"] * len(_EVENT_FIELDS)) + ")"
    params: list[Any] = []
    for event in events:
        params += [f.get_db_prep_save(getattr(event, f.attname), connection) for f in _EVENT_FIELDS]
    params += [head.sequence, head.hash, timezone.now(), content_sequence, head.pk]
    sql = (
        f"WITH appended AS (INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns})"  # noqa: S608
        f" VALUES {', '.join([row] * len(events))})"
        f" UPDATE {quote(AuditChainHead._meta.db_table)}"
        " SET sequence = %s, hash = %s, updated_at = %s,"
        " content_sequence = COALESCE(%s, content_sequence) WHERE organization_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _log(line: dict[str, Any]) -> None:
    logger.info(json.dumps(line, sort_keys=True))


def audit_record(
    *,
    actor: Any,
    organization: Organization,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    use_case: UseCase | None = None,
    routine: bool = False,
) -> None:
    """Append one record to the organization's chain, as the next number after its head.

    ``routine``: a machine's routine write that no page but the metrics' shows before its
    roll-up (a batch of samples): it leaves the organization's content sequence where it was
    (see :class:`~readiness.models.AuditChainHead`).

    Must run inside the caller's transaction, so the change and its record commit together,
    and must be the last thing that transaction does to the database (other records
    excepted): it locks the organization's chain head until commit, so a transaction holding
    it must not then wait for any other row, or two writers can deadlock. Lock order, then,
    everywhere: the rows the service changes (parents before children), then the chain head.
    A service with more to do after deciding its record wraps that work in
    :func:`audit_at_end`. ``tests/lock_order.py`` fails any test that breaks the order.

    Every record first publishes :class:`readiness.events.UseCasesChanged` (the use case, or
    the whole organization when the record names none), in the same transaction.

    After commit, the new head is logged as one signed JSON line on the ``readiness.audit``
    logger: a copy of every chain head outside the database.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction")
    # Before the record is appended (and the chain head locked): subscribers may write.
    use_case_id = use_case.pk if use_case is not None else None
    if use_case_id is None and isinstance(target, UseCase):
        use_case_id = target.pk
    events.publish(
        events.UseCasesChanged(
            organization_id=organization.pk,
            use_case_ids=(use_case_id,) if use_case_id is not None else None,
            action=action,
        )
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
        # Stored as hashed, so what PostgreSQL's jsonb gives back hashes the same.
        before=chain.plain(jsonable(before)) if before is not None else None,
        after=chain.plain(jsonable(after)) if after is not None else None,
    )
    event.routine = routine  # type: ignore[attr-defined]  # read by _append, not stored
    if _queue.depth:
        _queue.events.append((event, organization.slug))
    else:
        _append([(event, organization.slug)])
