"""The audit chain's arithmetic: the key, the canonical form of a record, its keyed hash, and
the signature of a checkpoint. Plain functions, no database: the export verifier and the
migration that re-hashed the old chains compute exactly the same bytes.

A record's hash is ``HMAC-SHA256(key, canonical(record))``, where ``canonical`` is the JSON of
every field a reader sees (:data:`RECORD_FIELDS`, plus ``"v": 2``) with sorted keys, no spaces
and UTF-8, and ``prev_hash`` is the previous record's hash ("" for record 1). A checkpoint's
signature is ``HMAC-SHA256(key, canonical({"organization", "sequence", "head", "at"}))``.
Without the key nobody can make a hash or a signature that verifies; with it, a rewrite of the
chain still disagrees with the checkpoints already written outside the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = 2
# The salt that turns SECRET_KEY into the audit key when AUDIT_KEY is unset. Fixed: changing
# it would make every record written before fail verification.
KEY_SALT = b"readiness.audit.chain-key.v2"
RECORD_FIELDS = (
    "organization",
    "sequence",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "use_case_id",
    "before",
    "after",
    "created_at",
    "prev_hash",
)
CHECKPOINT_FIELDS = ("organization", "sequence", "head", "at")


def audit_key() -> bytes:
    """``AUDIT_KEY``, or a key derived from ``SECRET_KEY`` with :data:`KEY_SALT` when unset.

    Raises ImproperlyConfigured when neither is set: an audit record must never be written
    (or believed) under an empty key.
    """
    configured = getattr(settings, "AUDIT_KEY", "")
    if configured:
        return configured.encode()
    try:
        secret = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        secret = ""
    if not secret:
        raise ImproperlyConfigured(
            "Set AUDIT_KEY (or SECRET_KEY) to write or verify the audit trail"
        )
    return hmac.new(KEY_SALT, secret.encode(), hashlib.sha256).digest()


def plain(value: Any) -> Any:
    """A JSON value that reads back equal from PostgreSQL's jsonb: jsonb keeps numbers as
    decimals, so a float with no fraction (``1e20``) comes back as an integer; both are hashed
    as that integer. Other floats keep their shortest repr, which survives the round trip."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Audit values must be finite numbers")
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    raise TypeError(f"Audit values must be plain JSON, got {type(value).__name__}")


def canonical(payload: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed or signed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        plain(payload),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8", "surrogatepass")


def timestamp(moment: dt.datetime) -> str:
    """A moment as hashed: UTC, microseconds, ISO 8601 (what both databases give back)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def record_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed form of a record given as a mapping of :data:`RECORD_FIELDS`."""
    payload = {name: fields[name] for name in RECORD_FIELDS}
    if isinstance(payload["created_at"], dt.datetime):
        payload["created_at"] = timestamp(payload["created_at"])
    payload["v"] = VERSION
    return payload


def record_message(fields: Mapping[str, Any]) -> bytes:
    """:func:`canonical` of :func:`record_payload`, walking only the two JSON values (the other
    fields are numbers, text or None): ``audit_verify`` does this for every record."""
    payload = record_payload(fields)
    payload["before"], payload["after"] = plain(payload["before"]), plain(payload["after"])
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8", "surrogatepass")


def record_hash(fields: Mapping[str, Any], key: bytes | None = None) -> str:
    """The keyed hash of one record (hex)."""
    return hmac.new(key or audit_key(), record_message(fields), hashlib.sha256).hexdigest()


def event_fields(event: Any) -> dict[str, Any]:
    """The :data:`RECORD_FIELDS` of an AuditEvent instance."""
    return {
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
        "created_at": event.created_at,
        "prev_hash": event.prev_hash,
    }


def sign(checkpoint: Mapping[str, Any], key: bytes | None = None) -> str:
    """The signature of a checkpoint: organization id, sequence, head hash and time (ISO)."""
    message = canonical({name: checkpoint[name] for name in CHECKPOINT_FIELDS})
    return hmac.new(key or audit_key(), message, hashlib.sha256).hexdigest()


def signature_valid(checkpoint: Mapping[str, Any], key: bytes | None = None) -> bool:
    try:
        expected = sign(checkpoint, key)
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(expected, str(checkpoint.get("signature", "")))
