"""An organization's audit trail as a file: CSV for people, JSON for machines and verifiers.

Both carry every field of each record (the ones its hash covers, the hash and the previous
hash), the organization's latest signed checkpoint and how to verify them. A date range selects
the records made in it, widened to a run of consecutive sequence numbers so that the file's
links can be checked from its first record to its last. Rows are streamed: a large trail never
sits in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Min, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from readiness.audit import chain
from readiness.audit.checkpoints import Checkpoint
from readiness.models import AuditCheckpoint, AuditEvent, Organization
from readiness.text import spreadsheet_cell

FORMAT = "readiness-audit-export/1"

HOW_TO_VERIFY = {
    "records": (
        "Records are numbered 1, 2, 3 ... per organization. Each record's `hash` is "
        "HMAC-SHA256, keyed with the deployment's AUDIT_KEY, of the canonical JSON (keys "
        "sorted, no spaces, UTF-8) of its fields organization, sequence, actor_id, actor_label, "
        "action, target_type, target_id, target_label, use_case_id, before, after, created_at "
        '(UTC ISO 8601 with microseconds), prev_hash, and "v": 2; `prev_hash` is the previous '
        "record's hash (empty for record 1)."
    ),
    "checkpoint": (
        "The checkpoint is signed: `signature` is HMAC-SHA256 with the same key of the "
        "canonical JSON of organization, sequence, head and at. The same line is in the "
        "operator's checkpoint directory (org-<id>.jsonl), outside the database; the record "
        "numbered `sequence` must have the hash `head`."
    ),
    "command": (
        "On a machine with the deployment's AUDIT_KEY: python manage.py audit_verify "
        "--export <this file> (JSON export) checks every record, link and the checkpoint; "
        "python manage.py audit_verify --org <slug> checks the whole chain in the database "
        "against the checkpoint directory."
    ),
}
CSV_COLUMNS = [
    "Sequence",
    "Time (UTC)",
    "Actor",
    "Actor id",
    "Action",
    "Target type",
    "Target id",
    "Target",
    "Use case id",
    "Before (JSON)",
    "After (JSON)",
    "Previous hash",
    "Hash",
]


@dataclass(frozen=True)
class Range:
    """Days, inclusive, in the site's time zone; either end may be open."""

    since: dt.date | None = None
    until: dt.date | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.since, dt.time.min, tz) if self.since else None
        end = (
            dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time.min, tz)
            if self.until
            else None
        )
        return start, end

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        start, end = self.bounds()
        if start is not None:
            events = events.filter(created_at__gte=start)
        if end is not None:
            events = events.filter(created_at__lt=end)
        return events


def records(organization: Organization, span: Range) -> QuerySet[AuditEvent]:
    """The records of the range, in chain order, from its first number to its last."""
    chosen = span.filter(AuditEvent.objects.filter(organization=organization))
    ends = chosen.aggregate(first=Min("sequence"), last=Max("sequence"))
    if ends["first"] is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        organization=organization, sequence__gte=ends["first"], sequence__lte=ends["last"]
    ).order_by("sequence")


def latest_checkpoint(organization: Organization) -> Checkpoint | None:
    row = AuditCheckpoint.objects.filter(organization=organization).order_by("-sequence").first()
    return Checkpoint.from_row(row) if row else None


def record_dict(event: AuditEvent) -> dict[str, Any]:
    fields = chain.event_fields(event)
    fields["created_at"] = chain.timestamp(event.created_at)
    return {**fields, "hash": event.hash}


def safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading
    apostrophe (CSV injection). Everything else is written as it is, every character kept."""
    return spreadsheet_cell(value)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def csv_lines(
    organization: Organization, events: Iterable[AuditEvent], checkpoint: Checkpoint | None
) -> Iterator[str]:
    """The CSV, line by line (UTF-8 with a byte order mark, for spreadsheets): the records, a
    blank line, then the latest checkpoint and how to verify it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> str:
        writer.writerow([safe(c) for c in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(CSV_COLUMNS)
    for event in events:
        yield line(
            [
                event.sequence,
                chain.timestamp(event.created_at),
                event.actor_label,
                event.actor_id or "",
                event.action,
                event.target_type,
                event.target_id,
                event.target_label,
                event.use_case_id or "",
                _json(event.before),
                _json(event.after),
                event.prev_hash,
                event.hash,
            ]
        )
    yield line([])
    yield line(["Checkpoint", "Organization", "Sequence", "Head", "At", "Signature"])
    if checkpoint is None:
        yield line(["none yet", organization.pk])
    else:
        yield line(
            [
                "latest",
                checkpoint.organization,
                checkpoint.sequence,
                checkpoint.head,
                checkpoint.at,
                checkpoint.signature,
            ]
        )
    yield line([])
    for topic, text in HOW_TO_VERIFY.items():
        yield line([f"How to verify: {topic}", text])


def json_chunks(
    organization: Organization,
    events: Iterable[AuditEvent],
    checkpoint: Checkpoint | None,
    *,
    span: Range,
    exported_by: str,
) -> Iterator[str]:
    """The JSON document, in pieces: header, one record at a time, checkpoint, instructions.
    ASCII only (every other character escaped), so any text survives any transport."""
    head = {
        "format": FORMAT,
        "organization": {
            "id": organization.pk,
            "slug": organization.slug,
            "name": organization.name,
        },
        "range": {
            "since": span.since.isoformat() if span.since else None,
            "until": span.until.isoformat() if span.until else None,
        },
        "exported_at": chain.timestamp(timezone.now()),
        "exported_by": exported_by,
    }
    yield json.dumps(head, sort_keys=True)[:-1] + ', "records": ['
    for n, event in enumerate(events):
        yield ("," if n else "") + json.dumps(record_dict(event), sort_keys=True)
    tail = {
        "checkpoint": checkpoint.as_dict() if checkpoint else None,
        "how_to_verify": HOW_TO_VERIFY,
    }
    yield "], " + json.dumps(tail, sort_keys=True)[1:]


def _filename(organization: Organization, span: Range, extension: str) -> str:
    parts = [organization.slug, "audit"]
    if span.since or span.until:
        parts.append(f"{span.since or 'start'}_to_{span.until or timezone.localdate()}")
    return "-".join(str(p) for p in parts) + f".{extension}"


def response(
    organization: Organization, span: Range, fmt: str, *, exported_by: str
) -> StreamingHttpResponse:
    """The export file as a streamed download; the page's buttons and the API both answer it."""
    events = records(organization, span).iterator(chunk_size=1000)
    checkpoint = latest_checkpoint(organization)
    if fmt == "csv":
        body = csv_lines(organization, events, checkpoint)
        content_type = "text/csv; charset=utf-8"
    else:
        body = json_chunks(organization, events, checkpoint, span=span, exported_by=exported_by)
        content_type = "application/json"
    # Nothing a database holds fails to encode; backslashreplace makes sure of it.
    chunks = (chunk.encode("utf-8", "backslashreplace") for chunk in body)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(organization, span, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response
