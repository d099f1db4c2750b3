"""The audit chain, version 2, step 2 of 3: number and re-hash every organization's records.

Why re-hashing is acceptable: the version 1 chain was plain SHA-256 with no key over part of
each record (not the actor id, not the target label), and nothing of it was kept outside the
table. Anyone who could write to the table could rewrite it, recompute every hash and leave no
trace, so it proved nothing to anybody; recomputing it under a key loses no proof that existed.
Before re-hashing, each organization's version 1 chain is walked once and any break it shows is
logged (``readiness.audit``), so what the old chain did say is not silently dropped.

The hash below is frozen here on purpose (a migration must compute what it computed when it was
written); it is the same as :mod:`readiness.audit.chain` version 2.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import math

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

logger = logging.getLogger("readiness.audit")

KEY_SALT = b"readiness.audit.chain-key.v2"
BATCH = 1000


def _key():
    if getattr(settings, "AUDIT_KEY", ""):
        return settings.AUDIT_KEY.encode()
    try:
        secret = settings.SECRET_KEY
    except ImproperlyConfigured:
        secret = ""
    if not secret:
        raise ImproperlyConfigured(
            "Set AUDIT_KEY (or SECRET_KEY) before migrating: the audit trail is re-hashed with it"
        )
    return hmac.new(KEY_SALT, secret.encode(), hashlib.sha256).digest()


def _plain(value):
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Audit values must be finite numbers")
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"Audit values must be plain JSON, got {type(value).__name__}")


def _v2(event, key):
    payload = {
        "v": 2,
        "organization": event.organization_id,
        "sequence": event.sequence,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "use_case_id": event.use_case_id,
        "before": event.before,
        "after": event.after,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "prev_hash": event.prev_hash,
    }
    message = json.dumps(
        _plain(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _v1(event):
    payload = {
        "organization": event.organization_id,
        "use_case": event.use_case_id,
        "actor": event.actor_label,
        "action": event.action,
        "target": [event.target_type, event.target_id],
        "before": event.before,
        "after": event.after,
        "at": event.created_at.isoformat(),
        "prev": event.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def rehash(apps, schema_editor):
    AuditEvent = apps.get_model("readiness", "AuditEvent")
    AuditChainHead = apps.get_model("readiness", "AuditChainHead")
    org_ids = list(
        AuditEvent.objects.order_by("organization_id")
        .values_list("organization_id", flat=True)
        .distinct()
    )
    if not org_ids:
        return
    key = _key()
    for org_id in org_ids:
        old_prev, prev, sequence, breaks = "", "", 0, 0
        batch = []
        events = AuditEvent.objects.filter(organization_id=org_id).order_by("id")
        for event in events.iterator(chunk_size=BATCH):
            if event.prev_hash != old_prev or _v1(event) != event.hash:
                breaks += 1
            old_prev = event.hash
            sequence += 1
            event.sequence = sequence
            event.prev_hash = prev
            event.hash = _v2(event, key)
            prev = event.hash
            batch.append(event)
            if len(batch) >= BATCH:
                AuditEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"])
                batch = []
        if batch:
            AuditEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"])
        AuditChainHead.objects.update_or_create(
            organization_id=org_id, defaults={"sequence": sequence, "hash": prev}
        )
        if breaks:
            logger.warning(
                json.dumps(
                    {
                        "kind": "migration",
                        "organization": org_id,
                        "message": f"{breaks} of {sequence} records did not verify under the "
                        "unkeyed version 1 chain before re-hashing (edited, removed, or a use "
                        "case deleted under them)",
                    }
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0008_audit_chain_v2_schema"),
    ]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
