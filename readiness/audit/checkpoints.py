"""Signed chain heads kept outside the chain: where they are written and how they are read.

A checkpoint says "organization O's chain reached record N, whose hash is H, at time T", signed
with the audit key (:func:`readiness.audit.chain.sign`). The same checkpoint is appended to
``AUDIT_CHECKPOINT_DIR/org-<id>.jsonl`` (one JSON object a line, never rewritten), stored in the
``AuditCheckpoint`` table, and carried in the organization's audit export; every append is also
logged as a signed line on the ``readiness.audit`` logger, which ``audit_verify --checkpoints``
reads back. A database administrator can rewrite the table but not the directory, the logs or
the exports already downloaded: the checkpoints there catch a removed tail or a rewritten chain.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from readiness.audit import chain
from readiness.models import AuditCheckpoint


@dataclass(frozen=True)
class Checkpoint:
    organization: int
    sequence: int
    head: str
    at: str
    signature: str
    source: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "sequence": self.sequence,
            "head": self.head,
            "at": self.at,
            "signature": self.signature,
        }

    @property
    def valid(self) -> bool:
        return chain.signature_valid(self.as_dict())

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(
            organization=row.organization_id,
            sequence=row.sequence,
            head=row.head,
            at=chain.timestamp(row.created_at),
            signature=row.signature,
            source=f"the database's checkpoint of {chain.timestamp(row.created_at)}",
        )


@dataclass(frozen=True)
class Unreadable:
    """A line of a checkpoint file or log that is not a checkpoint (edited, truncated)."""

    source: str
    reason: str


def directory() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def file_for(organization_id: int, where: Path | None = None) -> Path:
    return (where or directory()) / f"org-{organization_id}.jsonl"


def append(checkpoint: Checkpoint, *, slug: str, where: Path | None = None) -> Path:
    """Append one checkpoint line to the organization's file, creating it if needed.

    One ``write`` on a file opened for appending, under an exclusive lock, then ``fsync``: two
    processes checkpointing at once never interleave, and a written line survives a crash.
    Raises OSError (unwritable directory, full disk); the caller's transaction then rolls back,
    so the table never holds a checkpoint that the directory lacks.
    """
    path = file_for(checkpoint.organization, where)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"kind": "checkpoint", "slug": slug, **checkpoint.as_dict()}, sort_keys=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def parse_lines(
    lines: Iterable[str], *, source: str, strict: bool
) -> Iterator[Checkpoint | Unreadable]:
    """Checkpoints in a JSONL file (``strict``: every line must be one) or in a log (text
    before the first ``{`` is a log prefix; lines about anything else are skipped)."""
    for number, raw in enumerate(lines, start=1):
        where = f"{source} line {number}"
        start = raw.find("{")
        try:
            data = json.loads(raw[start:]) if start >= 0 else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("kind") not in ("checkpoint", "append"):
            if strict and raw.strip():
                yield Unreadable(where, "not a checkpoint (the line was edited or cut)")
            continue
        try:
            yield Checkpoint(
                organization=int(data["organization"]),
                sequence=int(data["sequence"]),
                head=str(data["head"]),
                at=str(data["at"]),
                signature=str(data["signature"]),
                source=where,
            )
        except (KeyError, TypeError, ValueError):
            yield Unreadable(where, "a checkpoint with missing or malformed fields")


def read_file(path: Path, *, strict: bool) -> list[Checkpoint | Unreadable]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return list(parse_lines(handle, source=str(path), strict=strict))


def in_table(organization_id: int) -> list[Checkpoint]:
    rows = AuditCheckpoint.objects.filter(organization_id=organization_id).order_by("sequence")
    return [Checkpoint.from_row(row) for row in rows]


def latest(checkpoints: Iterable[Checkpoint]) -> Checkpoint | None:
    """The valid checkpoint with the highest sequence (the newest, on a tie)."""
    valid = [c for c in checkpoints if c.valid]
    return max(valid, key=lambda c: (c.sequence, c.at), default=None)
