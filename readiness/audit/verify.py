"""Checking an organization's chain: every record, its link to the one before, the chain head,
and every checkpoint written outside the database. ``manage.py audit_verify`` runs
:func:`verify_organization`; so do the tamper tests."""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.audit import chain, checkpoints
from readiness.audit.checkpoints import Checkpoint, Unreadable
from readiness.models import AuditChainHead, AuditEvent, Organization

COLUMNS = (
    "id",
    "sequence",
    "organization_id",
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
    "hash",
)


@dataclass(frozen=True, order=True)
class Problem:
    """What is wrong, about record ``sequence`` (0: about the chain as a whole)."""

    sequence: int
    message: str

    def __str__(self) -> str:
        return f"record {self.sequence} {self.message}" if self.sequence else self.message


@dataclass
class Report:
    organization: Organization
    records: int = 0
    last_sequence: int = 0
    last_hash: str = ""
    checkpoints: int = 0
    latest: Checkpoint | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        """The first broken or missing record; a problem of the chain as a whole (a forged
        checkpoint, a missing file) only when no record is named."""
        about_records = [p for p in self.problems if p.sequence]
        return min(about_records or self.problems, default=None)


@dataclass
class Walk:
    problems: list[Problem] = field(default_factory=list)
    records: int = 0
    last_sequence: int = 0
    last_hash: str = ""
    bad_content: int = 0
    hashes_at: dict[int, str] = field(default_factory=dict)


def record_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of :data:`COLUMNS` (or an exported record) as :data:`chain.RECORD_FIELDS`."""
    return {
        "organization": row.get("organization_id", row.get("organization")),
        **{name: row[name] for name in chain.RECORD_FIELDS if name != "organization"},
    }


def walk_records(
    rows: Iterable[Mapping[str, Any]],
    *,
    key: bytes,
    start: tuple[int, str] = (0, ""),
    remember: frozenset[int] = frozenset(),
) -> Walk:
    """Check records given in sequence order, the first expected right after ``start``
    (sequence, hash). Each record's content must match its keyed hash, and its ``prev_hash``
    the hash of the record before; numbering must have no gap and no repeat. The hashes of
    the sequences in ``remember`` are kept, for the checkpoints to be compared."""
    result = Walk(last_sequence=start[0], last_hash=start[1])
    expected, prev = start[0] + 1, start[1]
    for row in rows:
        seq = int(row["sequence"])
        result.records += 1
        linked = True
        if seq < expected:
            result.problems.append(
                Problem(seq, "appears twice or out of order: records were duplicated or reordered")
            )
            linked = False
        elif seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
            result.problems.append(
                Problem(
                    expected,
                    f"is missing: the chain jumps from record {expected - 1} to "
                    f"{seq} (record(s) {missing} were deleted)",
                )
            )
            linked = False
        stored = str(row["hash"])
        if not hmac.compare_digest(chain.record_hash(record_fields(row), key), stored):
            result.bad_content += 1
            result.problems.append(
                Problem(
                    seq,
                    "does not match its hash: a field was edited, or the record was "
                    "(re)hashed without the audit key",
                )
            )
        if linked and row["prev_hash"] != prev:
            result.problems.append(
                Problem(
                    seq,
                    f"does not follow record {seq - 1}: its previous hash differs (a "
                    "record before it was replaced, reordered or forged)",
                )
            )
        if seq in remember:
            result.hashes_at[seq] = stored
        prev, expected = stored, max(expected, seq + 1)
        result.last_sequence, result.last_hash = seq, stored
    return result


def _records(organization_id: int) -> Iterator[dict[str, Any]]:
    rows = AuditEvent.objects.filter(organization_id=organization_id).order_by("sequence", "id")
    return rows.values(*COLUMNS).iterator(chunk_size=2000)


def verify_since(organization_id: int, since: Checkpoint | None, *, key: bytes) -> Walk:
    """The records from checkpoint ``since`` on (every record when None): what a new
    checkpoint vouches for beyond the last one. The checkpointed record must still carry the
    hash the checkpoint signed."""
    rows = AuditEvent.objects.filter(organization_id=organization_id).order_by("sequence", "id")
    if since is None:
        return walk_records(rows.values(*COLUMNS).iterator(chunk_size=2000), key=key)
    records = rows.filter(sequence__gte=since.sequence).values(*COLUMNS).iterator(chunk_size=2000)
    first = next(records, None)
    if first is None or first["sequence"] != since.sequence:
        walk = Walk(last_sequence=since.sequence)
        walk.problems.append(
            Problem(since.sequence, f"is missing: {since.source} vouched for it at {since.at}")
        )
        return walk
    start = (since.sequence - 1, str(first["prev_hash"]))
    walk = walk_records(
        itertools.chain([first], records),
        key=key,
        start=start,
        remember=frozenset([since.sequence]),
    )
    if walk.hashes_at.get(since.sequence) != since.head:
        walk.problems.append(
            Problem(
                since.sequence,
                f"differs from {since.source} ({since.at}): the chain was rewritten up to here",
            )
        )
    return walk


def gather_checkpoints(
    organization: Organization,
    *,
    directory: Path | None = None,
    extra_files: Iterable[Path] = (),
) -> tuple[list[Checkpoint], list[Problem], list[str]]:
    """Every checkpoint of the organization: its file in the checkpoint directory, the table,
    and any log or checkpoint files given; with the problems and notes about them."""
    found: list[Checkpoint] = []
    problems: list[Problem] = []
    notes: list[str] = []
    path = checkpoints.file_for(organization.pk, directory)
    in_file: list[Checkpoint] = []
    if path.exists():
        for item in checkpoints.read_file(path, strict=True):
            if isinstance(item, Unreadable):
                problems.append(Problem(0, f"{item.source}: {item.reason}"))
            elif item.organization != organization.pk:
                problems.append(
                    Problem(
                        0,
                        f"{item.source}: a checkpoint of organization "
                        f"{item.organization} in this organization's file",
                    )
                )
            else:
                in_file.append(item)
    table = checkpoints.in_table(organization.pk)
    file_latest, table_latest = checkpoints.latest(in_file), checkpoints.latest(table)
    if table and not in_file:
        problems.append(
            Problem(
                0,
                f"the database holds {len(table)} checkpoint(s) but {path} has none: is "
                "AUDIT_CHECKPOINT_DIR the directory the checkpoint job writes to?",
            )
        )
    elif table_latest and (file_latest is None or table_latest.sequence > file_latest.sequence):
        problems.append(
            Problem(
                0,
                f"the database's latest checkpoint (record {table_latest.sequence}, "
                f"{table_latest.at}) is not in {path}: the table was written to by hand",
            )
        )
    if not table and not in_file:
        notes.append(f"no checkpoint yet in {path} or the database (run audit_checkpoint)")
    found += in_file + table
    for extra in extra_files:
        for item in checkpoints.read_file(extra, strict=False):
            if isinstance(item, Unreadable):
                problems.append(Problem(0, f"{item.source}: {item.reason}"))
            elif item.organization == organization.pk:
                found.append(item)
    return found, problems, notes


def verify_organization(
    organization: Organization,
    *,
    directory: Path | None = None,
    extra_files: Iterable[Path] = (),
    key: bytes | None = None,
) -> Report:
    """Everything that can be proved about one organization's chain, in one report.

    Problems name the first broken or missing record by its sequence number (``first_problem``)
    and say what is wrong: a record that does not match its hash, one that does not follow the
    record before, a gap, a chain shorter than a checkpoint says it was (the newest records
    deleted), a record whose hash differs from a checkpoint (the chain rewritten), a chain
    head that disagrees, a checkpoint whose signature does not verify.
    """
    key = key or chain.audit_key()
    report = Report(organization=organization)
    found, report.problems, report.notes = gather_checkpoints(
        organization, directory=directory, extra_files=extra_files
    )
    head = AuditChainHead.objects.filter(pk=organization.pk).first()
    valid: list[Checkpoint] = []
    for checkpoint in found:
        if chain.signature_valid(checkpoint.as_dict(), key):
            valid.append(checkpoint)
        else:
            report.problems.append(
                Problem(
                    0,
                    f"{checkpoint.source}: the signature does not verify (the "
                    "checkpoint was edited or forged, or AUDIT_KEY is not this deployment's)",
                )
            )
    report.checkpoints = len(set(valid))  # the same checkpoint in the file and the table
    report.latest = checkpoints.latest(valid)
    remember = {c.sequence for c in valid} | ({head.sequence} if head else set())
    walk = walk_records(_records(organization.pk), key=key, remember=frozenset(remember))
    report.problems += walk.problems
    report.records, report.last_sequence, report.last_hash = (
        walk.records,
        walk.last_sequence,
        walk.last_hash,
    )
    if walk.records and walk.bad_content == walk.records:
        report.notes.append(
            "no record matches its hash: if nobody rewrote them all, AUDIT_KEY is not the key "
            "this deployment writes with"
        )
    beyond = max(
        (c for c in valid if c.sequence > walk.last_sequence),
        key=lambda c: c.sequence,
        default=None,
    )
    if beyond is not None:
        report.problems.append(
            Problem(
                walk.last_sequence + 1,
                f"is missing: {beyond.source} says the chain "
                f"reached record {beyond.sequence} at {beyond.at}, but it ends at record "
                f"{walk.last_sequence} (the newest records were deleted)",
            )
        )
    for checkpoint in valid:
        stored = walk.hashes_at.get(checkpoint.sequence)
        if stored is not None and stored != checkpoint.head:
            report.problems.append(
                Problem(
                    checkpoint.sequence,
                    f"differs from {checkpoint.source} "
                    f"({checkpoint.at}): the chain was rewritten up to here",
                )
            )
    report.problems += _head_problems(head, walk)
    if report.latest is not None and report.latest.sequence < walk.last_sequence:
        report.notes.append(
            f"records {report.latest.sequence + 1} to {walk.last_sequence} are newer than the "
            "latest checkpoint: they are proved by the chain and its head, not yet by a checkpoint"
        )
    report.problems = sorted(set(report.problems))
    return report


def _head_problems(head: AuditChainHead | None, walk: Walk) -> list[Problem]:
    """The chain head against the records. The head is read before the records, so records
    appended meanwhile may follow it; it may never be ahead of them, nor disagree."""
    if head is None:
        return (
            [Problem(0, "the organization has records but no chain head")] if walk.records else []
        )
    if head.sequence > walk.last_sequence:
        return [
            Problem(
                walk.last_sequence + 1,
                f"is missing: the chain head says the chain reached "
                f"record {head.sequence}, but it ends at record {walk.last_sequence}",
            )
        ]
    stored = walk.hashes_at.get(head.sequence)
    if head.sequence and stored is not None and stored != head.hash:
        return [Problem(head.sequence, "differs from the hash the chain head holds for it")]
    return []


def verify_chain(organization: Organization) -> list[Problem]:
    """The problems :func:`verify_organization` finds with the configured checkpoint directory."""
    return verify_organization(organization).problems


def verify_export(data: Mapping[str, Any], *, key: bytes | None = None) -> Report:
    """Check a JSON audit export offline: its records against their hashes and links, and
    against the checkpoint it carries (whose signature must verify)."""
    key = key or chain.audit_key()
    org = data.get("organization") or {}
    report = Report(organization=Organization(pk=org.get("id"), slug=org.get("slug", "")))
    records = sorted(data.get("records") or [], key=lambda r: int(r["sequence"]))
    first = int(records[0]["sequence"]) if records else 1
    start = (first - 1, records[0]["prev_hash"]) if records and first > 1 else (0, "")
    remember: frozenset[int] = frozenset()
    checkpoint_data = data.get("checkpoint")
    checkpoint = None
    if checkpoint_data:
        checkpoint = Checkpoint(
            organization=int(checkpoint_data["organization"]),
            sequence=int(checkpoint_data["sequence"]),
            head=str(checkpoint_data["head"]),
            at=str(checkpoint_data["at"]),
            signature=str(checkpoint_data["signature"]),
            source="the export's checkpoint",
        )
        remember = frozenset([checkpoint.sequence])
        if not chain.signature_valid(checkpoint.as_dict(), key):
            report.problems.append(Problem(0, "the export's checkpoint signature does not verify"))
            checkpoint = None
    walk = walk_records(records, key=key, start=start, remember=remember)
    report.problems += walk.problems
    report.records, report.last_sequence = walk.records, walk.last_sequence
    if checkpoint is not None:
        report.latest = checkpoint
        stored = walk.hashes_at.get(checkpoint.sequence)
        if stored is not None and stored != checkpoint.head:
            report.problems.append(
                Problem(checkpoint.sequence, "differs from the export's checkpoint")
            )
        elif stored is None:
            report.notes.append(
                f"the checkpoint is about record {checkpoint.sequence}, outside this export's "
                f"records {first} to {walk.last_sequence}"
            )
    report.problems = sorted(set(report.problems))
    return report
