"""Tampering with the audit trail as a database administrator would, in a thousand random
ways, each found by :func:`readiness.audit.verify_organization` (what ``audit_verify`` runs).

One chain of about 200 records and a signed checkpoint of its head (in the checkpoint directory
and the table). Each tamper runs in a savepoint with the append-only triggers turned off, as
the table's owner can, is verified, and is rolled back. Kinds: edit any field of any record,
delete any record, cut the tail (with or without fixing the chain head), reorder two records,
rewrite the tail with fresh plain SHA-256 or wrong-key HMACs (head and table checkpoints
forged to match), rewrite records the checkpoint covers with the right key, and insert a
forged record (at the end or in the middle, renumbering the rest).
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import hashlib
import hmac
import os
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from readiness import services
from readiness.audit import audit_record, chain, verify_organization
from readiness.models import AuditChainHead, AuditCheckpoint, AuditEvent, Organization
from tests.readiness.audit_support import as_dba, needs_postgres

CASES = int(os.environ.get("AUDIT_TAMPER_CASES", "1000"))
RECORDS = 200
WRONG_KEY = b"a key that is not this deployment's AUDIT_KEY......"
TEXT_FIELDS = ("actor_label", "action", "target_type", "target_id", "target_label")
ALL_FIELDS = (*chain.RECORD_FIELDS, "hash")


class Rollback(Exception):
    pass


def _build(org: Any, admin: Any, use_case: Any, rng: random.Random) -> None:
    values: list[Any] = [1, 0.5, 1e20, -3, "ünïcødé ✓ 🚀", "=SUM(A1)", 'quote " and \\', None]
    for n in range(RECORDS):
        before = {"n": n, "value": rng.choice(values), "nested": {"list": [n, str(n)]}}
        audit_record(
            actor=admin if n % 3 else "system",
            organization=org,
            action=f"tamper.test_{n % 7}",
            target=use_case if n % 2 else org,
            use_case=use_case if n % 2 else None,
            before=before if n % 4 else None,
            after={"n": n + 1, "text": f"line {n}\nsecond line\ttab"},
        )


def _new_value(event: AuditEvent, field: str, rng: random.Random, other_org: int) -> Any:
    current = getattr(event, "organization_id" if field == "organization" else field)
    if field == "organization":
        return other_org
    if field == "sequence":
        return 10_000 + rng.randrange(1000)
    if field in ("actor_id", "use_case_id"):
        return rng.choice([None, rng.randrange(1, 10**6)]) if current else rng.randrange(1, 10**6)
    if field in TEXT_FIELDS:
        text = str(current)
        choices = [text + "x", text[:-1], "", text.upper() + "!", text + "\u200b"]
        return next(c for c in rng.sample(choices, len(choices)) if c != text)
    if field in ("before", "after"):
        if current is None:
            return {"forged": True}
        mutated = dict(current)
        key = rng.choice(list(mutated))
        mutated[key] = rng.choice([None, "forged", 0, [1], {"x": 1}])
        if mutated == current:
            mutated["extra"] = 1
        return rng.choice([mutated, None])
    if field == "created_at":
        return current + dt.timedelta(microseconds=rng.choice([-1, 1, 1000, -86_400_000_000]))
    if field in ("prev_hash", "hash"):
        return "".join(rng.choice("0123456789abcdef") for _ in range(64))
    raise AssertionError(field)


def _plain_sha(fields: dict[str, Any], key: bytes) -> str:
    return hashlib.sha256(chain.canonical(chain.record_payload(fields))).hexdigest()


def _wrong_key(fields: dict[str, Any], key: bytes) -> str:
    return hmac.new(WRONG_KEY, chain.canonical(chain.record_payload(fields)), "sha256").hexdigest()


def _right_key(fields: dict[str, Any], key: bytes) -> str:
    return chain.record_hash(fields, key)


def _rewrite(
    events: list[AuditEvent], start: int, hasher: Callable[..., str], key: bytes, rng: random.Random
) -> None:
    """Change one record at ``start`` and re-hash it and every record after it, relinked,
    with the chain head and the table's checkpoints made to match (a thorough DBA)."""
    prev = events[start - 1].hash if start else ""
    for i, event in enumerate(events[start:]):
        if i == 0:
            event.actor_label = event.actor_label + " (rewritten)"
        event.prev_hash = prev
        event.hash = hasher(chain.event_fields(event), key)
        prev = event.hash
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE readiness_auditevent SET actor_label = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [(e.actor_label, e.prev_hash, e.hash, e.pk) for e in events[start:]],
        )
    last = events[-1]
    AuditChainHead.objects.filter(pk=last.organization_id).update(hash=prev)
    signer = WRONG_KEY if hasher is not _right_key else key
    for row in AuditCheckpoint.objects.filter(organization_id=last.organization_id):
        at = chain.timestamp(row.created_at)
        stored = {e.sequence: e.hash for e in events}
        head = stored.get(row.sequence, row.head)
        fields = {
            "organization": row.organization_id,
            "sequence": row.sequence,
            "head": head,
            "at": at,
        }
        AuditCheckpoint.objects.filter(pk=row.pk).update(
            head=head, signature=chain.sign(fields, signer)
        )


def _insert_forged(events: list[AuditEvent], position: int, rng: random.Random, key: bytes) -> None:
    """A forged record at ``position`` (the end when past it): later records renumbered up."""
    org_id = events[0].organization_id
    later = AuditEvent.objects.filter(organization_id=org_id, sequence__gt=position)
    later.update(sequence=F("sequence") + 10**9)  # in two steps: the numbers stay unique
    later.update(sequence=F("sequence") - (10**9 - 1))
    prev = events[position - 1].hash if position else ""
    forged = AuditEvent(
        organization_id=org_id,
        sequence=position + 1,
        actor_label="ghost@example.com",
        action="scale.decided",
        target_type="usecase",
        target_id="1",
        target_label="Forged",
        after={"outcome": "approved"},
        created_at=events[min(position, len(events) - 1)].created_at,
        prev_hash=prev,
    )
    hasher = rng.choice([_plain_sha, _wrong_key])
    forged.hash = hasher(chain.event_fields(forged), key)
    forged.save(force_insert=True)
    if position >= len(events):
        AuditChainHead.objects.filter(pk=org_id).update(sequence=forged.sequence, hash=forged.hash)


def _tamper(
    kind: str,
    events: list[AuditEvent],
    rng: random.Random,
    other_org: int,
    key: bytes,
    covered: int,
) -> str:
    """Apply one tamper of ``kind``; returns a short description."""
    last = len(events) - 1
    if kind == "edit":
        event, field = rng.choice(events), rng.choice(ALL_FIELDS)
        value = _new_value(event, field, rng, other_org)
        column = "organization_id" if field == "organization" else field
        AuditEvent.objects.filter(pk=event.pk).update(**{column: value})
        return f"edit {field} of record {event.sequence}"
    if kind == "delete":
        event = rng.choice(events)
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(using="default")
        return f"delete record {event.sequence}"
    if kind == "truncate":
        cut = rng.randint(1, 20)
        gone = events[-cut:]
        AuditEvent.objects.filter(pk__in=[e.pk for e in gone])._raw_delete(using="default")
        if rng.random() < 0.5:  # and move the head back, as a careful DBA would
            keep = events[-cut - 1]
            AuditChainHead.objects.filter(pk=keep.organization_id).update(
                sequence=keep.sequence, hash=keep.hash
            )
        return f"truncate the last {cut}"
    if kind == "reorder":
        a, b = rng.sample(events, 2)
        if rng.random() < 0.5:  # swap their numbers
            AuditEvent.objects.filter(pk=a.pk).update(sequence=10**12)
            AuditEvent.objects.filter(pk=b.pk).update(sequence=a.sequence)
            AuditEvent.objects.filter(pk=a.pk).update(sequence=b.sequence)
        else:  # swap their times (the order a reader sees)
            AuditEvent.objects.filter(pk=a.pk).update(created_at=b.created_at)
            AuditEvent.objects.filter(pk=b.pk).update(created_at=a.created_at)
        return f"swap records {a.sequence} and {b.sequence}"
    if kind == "rewrite_plain":
        start = rng.randint(0, last)
        _rewrite(events, start, _plain_sha, key, rng)
        return f"rewrite from {start + 1} with plain SHA-256"
    if kind == "rewrite_wrong_key":
        start = rng.randint(0, last)
        _rewrite(events, start, _wrong_key, key, rng)
        return f"rewrite from {start + 1} with a wrong key"
    if kind == "rewrite_with_key":
        start = rng.randint(0, covered - 1)  # at or before the checkpointed record
        _rewrite(events, start, _right_key, key, rng)
        return f"rewrite from {start + 1} with the key (checkpointed)"
    if kind == "insert":
        position = rng.randint(0, len(events))
        _insert_forged(events, position, rng, key)
        return f"insert a forged record at {position + 1}"
    raise AssertionError(kind)


KINDS = (
    ("edit", 5),
    ("delete", 2),
    ("truncate", 1),
    ("reorder", 1),
    ("rewrite_plain", 1),
    ("rewrite_wrong_key", 1),
    ("rewrite_with_key", 1),
    ("insert", 1),
)


def test_a_thousand_random_tampers_are_all_found(admin, org, pm, use_case, settings, tmp_path):
    if not os.environ.get("AUDIT_TAMPER_ON_SQLITE"):  # it runs on SQLite too, when asked
        needs_postgres("tampering past the append-only trigger")
    settings.AUDIT_CHECKPOINT_DIR = tmp_path
    rng = random.Random(int(os.environ.get("AUDIT_TAMPER_SEED", "20261129")))
    other_org = Organization.objects.create(name="Elsewhere", slug="elsewhere")  # no records
    _build(org, admin, use_case, rng)
    services.audit_checkpoint_create(organization=org)
    key = chain.audit_key()
    assert verify_organization(org).intact
    original = list(AuditEvent.objects.filter(organization=org).order_by("sequence"))
    covered = len(original)
    names = [kind for kind, weight in KINDS for _ in range(weight)]
    tried: collections.Counter[str] = collections.Counter()
    found: collections.Counter[str] = collections.Counter()
    missed: list[str] = []
    started = time.monotonic()
    with as_dba():  # the triggers stay off for the loop; the test's transaction restores them
        for _ in range(CASES):
            kind = rng.choice(names)
            events = [copy.copy(e) for e in original]  # a rewrite changes its copies
            try:
                with transaction.atomic():  # a savepoint: each tamper is rolled back
                    what = _tamper(kind, events, rng, other_org.pk, key, covered)
                    report = verify_organization(org)
                    tried[kind] += 1
                    if report.intact:
                        missed.append(what)
                    else:
                        found[kind] += 1
                    raise Rollback
            except Rollback:
                pass
    elapsed = time.monotonic() - started
    summary = ", ".join(f"{k} {found[k]}/{tried[k]}" for k, _ in KINDS)
    print(
        f"\n{sum(tried.values())} tampers tried, {sum(found.values())} found in {elapsed:.1f}s "
        f"({summary})"
    )
    assert sum(tried.values()) == CASES >= 1000
    assert missed == []
    assert verify_organization(org).intact  # every tamper was rolled back
