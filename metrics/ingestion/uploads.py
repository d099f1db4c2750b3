"""CSV uploads of samples: checked when uploaded, processed by a Celery task.

The columns are the API's fields: ``use_case`` (id), ``metric`` (key), ``timestamp`` (ISO 8601
with zone), ``value`` or ``numerator`` and ``denominator``, and an optional ``client_id``.
Unlike the API, a file is not refused whole: valid rows are stored and rejected rows are listed
with their reasons in a report the uploader downloads. A row without a client id gets one
made of the file's SHA-256 and its line number, so uploading the same file again, or a task
retried halfway, stores nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from metrics.ingestion.samples import samples_ingest
from metrics.ingestion.validation import FIELDS
from metrics.models import CsvUpload, UploadStatus
from readiness import outbox
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record
from readiness.models import Organization, Perm, User
from readiness.text import spreadsheet_cell

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("use_case", "metric", "timestamp")
CHUNK_ROWS = 2000
REPORT_COLUMNS = ("line", *FIELDS, "errors")


def max_bytes() -> int:
    return int(getattr(settings, "METRICS_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "METRICS_UPLOAD_MAX_ROWS", 100_000))


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise ValidationError({"file": "This is not a text file."})
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": "Save the file as UTF-8 text (CSV UTF-8)."}) from exc


def _header(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if not any(header):
        raise ValidationError({"file": "The file is empty."})
    unknown = [h for h in header if h not in FIELDS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown[:5])}")
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if duplicated:
        problems.append(f"repeated column(s): {', '.join(duplicated)}")
    if problems:
        raise ValidationError(
            {
                "file": f"The first line must name the columns ({', '.join(FIELDS)}): "
                + "; ".join(problems)
                + "."
            }
        )
    return header


def _count_rows(text: str) -> int:
    try:
        return sum(1 for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)) - 1
    except csv.Error as exc:
        raise ValidationError({"file": f"The file is not valid CSV: {exc}."}) from exc


@transaction.atomic
def csv_upload_create(*, actor: User, organization: Organization, file: UploadedFile) -> CsvUpload:
    """Check the file (size, text, header, row count), keep it and queue its processing after
    commit. Program managers and org admins. Raises ValidationError on ``file``."""
    membership_of(actor, organization.pk, perm=Perm.EDIT)
    name = (file.name or "upload.csv").rsplit("/", 1)[-1][:200]
    if not name.lower().endswith(".csv"):
        raise ValidationError({"file": "Upload a .csv file."})
    if file.size is not None and file.size > max_bytes():
        raise ValidationError(
            {"file": f"The file is larger than {max_bytes() // (1024 * 1024)} MB; split it."}
        )
    content = file.read(max_bytes() + 1)
    if len(content) > max_bytes():
        raise ValidationError(
            {"file": f"The file is larger than {max_bytes() // (1024 * 1024)} MB; split it."}
        )
    text = _decode(content)
    _header(text)
    rows = _count_rows(text)
    if rows <= 0:
        raise ValidationError({"file": "The file has a header but no rows."})
    if rows > max_rows():
        raise ValidationError(
            {"file": f"The file has {rows:,} rows; upload at most {max_rows():,} at a time."}
        )
    upload = CsvUpload.objects.create(
        organization=organization,
        uploaded_by=actor,
        filename=name,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        rows_total=rows,
    )
    from metrics.tasks import process_csv_upload  # here: the tasks module imports this one

    outbox.enqueue(process_csv_upload, upload.pk)
    audit_record(
        actor=actor,
        organization=organization,
        action="metrics.csv_upload.create",
        target=upload,
        after={"filename": name, "rows": rows, "sha256": upload.sha256},
    )
    return upload


def _sample(header: list[str], cells: list[str]) -> dict[str, Any]:
    """A CSV row as the API's sample: numbers where the cell holds one, absent where empty.
    Anything else is passed on as text so that validation names the problem."""
    sample: dict[str, Any] = {}
    if len(cells) > len(header):
        sample["(cells past the last column)"] = ",".join(cells[len(header) :])
    for name, raw in zip(header, cells, strict=False):
        cell = raw.strip()
        if not cell:
            continue
        if name == "use_case":
            sample[name] = int(cell) if cell.isdigit() else cell
        elif name in ("value", "numerator", "denominator"):
            try:
                sample[name] = int(cell) if cell.lstrip("-").isdigit() else float(cell)
            except ValueError:
                sample[name] = cell
        else:
            sample[name] = cell
    return sample


def _report_lines(
    header: list[str], rows: list[tuple[int, list[str]]], errors: list[dict[str, Any]]
) -> str:
    by_line: dict[int, list[str]] = {}
    for e in errors:
        field = f"{e['field']}: " if e.get("field") else ""
        by_line.setdefault(e["row"], []).append(f"{field}{e['message']}")
    out = io.StringIO()
    writer = csv.writer(out)
    for line, cells in rows:
        if line in by_line:
            values = dict(zip(header, cells, strict=False))
            cells_out = [*(values.get(f, "") for f in FIELDS), "; ".join(by_line[line])]
            # The uploader's own cells, opened in a spreadsheet: no formula runs (CSV injection).
            writer.writerow([line, *(spreadsheet_cell(c) for c in cells_out)])
    return out.getvalue()


def csv_upload_process(*, upload: CsvUpload) -> CsvUpload | None:
    """Process an upload in chunks, each stored with its progress in one transaction, so the
    page's progress bar moves and a retried task resumes where the last one stopped.

    The row is read again under a lock (``upload`` may be stale or deferred). Returns it as it
    then stands, or None when it is gone; does nothing to one already finished.
    """
    upload_id = upload.pk
    with transaction.atomic():
        locked = (
            CsvUpload.objects.select_for_update(of=("self",))
            .select_related("organization", "uploaded_by")
            .filter(pk=upload_id)
            .first()
        )
        if locked is None or locked.is_finished:
            return locked
        if locked.status == UploadStatus.PENDING:
            locked.status = UploadStatus.PROCESSING
            locked.started_at = locked.progress_at = timezone.now()
            locked.save(update_fields=["status", "started_at", "progress_at"])
    try:
        _process(locked)
    except OperationalError:
        raise  # transient (database gone away): the task retries and resumes
    except Exception as exc:
        log.exception("CSV upload %s failed", upload_id)
        CsvUpload.objects.filter(pk=upload_id).update(
            status=UploadStatus.FAILED,
            error=f"Processing stopped: {exc.__class__.__name__}. Rows stored so far are kept.",
            finished_at=timezone.now(),
        )
        raise
    locked.refresh_from_db()
    return locked


def _process(upload: CsvUpload) -> None:
    text = bytes(upload.content).decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader)]
    prefix = f"csv-{upload.sha256[:16]}-"
    done = upload.rows_processed
    chunk: list[tuple[int, list[str]]] = []
    seen = 0

    def flush(rows: list[tuple[int, list[str]]]) -> None:
        # Each run's audit record is appended after the upload's progress is saved.
        with transaction.atomic(), audit_at_end():
            # Samples are validated row by row; the row number of each is its CSV line.
            stored = rejected = duplicates = 0
            errors: list[dict[str, Any]] = []
            # Rows go one call per run of consecutive lines (blank lines break a run).
            runs: list[list[tuple[int, list[str]]]] = []
            for item in rows:
                if runs and runs[-1][-1][0] + 1 == item[0]:
                    runs[-1].append(item)
                else:
                    runs.append([item])
            for run in runs:
                result = samples_ingest(
                    actor=upload.uploaded_by,  # type: ignore[arg-type]
                    organization=upload.organization,
                    samples=[_sample(header, cells) for _, cells in run],
                    partial=True,
                    first_row=run[0][0],
                    client_id_prefix=prefix,
                    audit_target=upload,
                )
                stored += result.stored
                duplicates += result.duplicates
                rejected += result.rejected
                errors.extend(result.errors)
            CsvUpload.objects.filter(pk=upload.pk).update(
                rows_processed=F("rows_processed") + len(rows),
                progress_at=timezone.now(),
                rows_stored=F("rows_stored") + stored,
                rows_duplicate=F("rows_duplicate") + duplicates,
                rows_rejected=F("rows_rejected") + rejected,
                rejected_report=Concat(
                    F("rejected_report"), Value(_report_lines(header, rows, errors))
                ),
            )

    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        seen += 1
        if seen <= done:
            continue  # stored by an earlier, interrupted run
        chunk.append((line, cells))
        if len(chunk) >= CHUNK_ROWS:
            flush(chunk)
            chunk = []
    if chunk:
        flush(chunk)
    CsvUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.DONE, finished_at=timezone.now(), content=b""
    )
    # Roll the new samples up now rather than at the next periodic run.
    from metrics.tasks import rollup_pending  # here: the tasks module imports this one

    outbox.enqueue(rollup_pending)


def stuck_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "METRICS_UPLOAD_STUCK_SECONDS", 600)))


@transaction.atomic
def csv_uploads_requeue_stuck(*, limit: int = 100) -> int:
    """Queue again (outbox) each unfinished upload whose progress has not moved for
    ``METRICS_UPLOAD_STUCK_SECONDS``, in primary-key order, at most ``limit``. Returns how many.

    Safe: processing resumes where it stopped, and a finished upload is left as it is. Its
    ``progress_at`` is set to now, so it is queued once per stuck period, not every minute.
    A system action with no actor, logged rather than audited: it changes no figure.
    """
    now = timezone.now()
    cutoff = now - stuck_after()
    stuck = list(
        CsvUpload.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=[UploadStatus.PENDING, UploadStatus.PROCESSING])
        .filter(Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not stuck:
        return 0
    from metrics.tasks import process_csv_upload  # here: the tasks module imports this one

    CsvUpload.objects.filter(pk__in=stuck).update(progress_at=now)
    for pk in stuck:
        outbox.enqueue(process_csv_upload, pk)
    log.warning("CSV uploads queued again after %s without progress: %s", stuck_after(), stuck)
    return len(stuck)


@transaction.atomic
def csv_upload_requeue(*, actor: User, upload: CsvUpload) -> CsvUpload:
    """Queue a stuck upload again now (outbox, after commit), as the minute sweep would once it
    sees it. Org admins. Only an unfinished upload whose progress has not moved for
    ``METRICS_UPLOAD_STUCK_SECONDS``: one that is moving is being processed, and a second
    worker on it would count its rows twice. Raises ValidationError otherwise.

    Safe: processing resumes where it stopped and stores nothing twice.
    """
    locked = (
        CsvUpload.objects.select_for_update(of=("self",))
        .select_related("organization")
        .defer("content", "rejected_report")
        .filter(pk=upload.pk)
        .first()
    )
    if locked is None:
        raise ValidationError("This upload no longer exists.")
    membership_of(actor, locked.organization_id, perm=Perm.ADMINISTER)
    if locked.is_finished:
        raise ValidationError(
            f"This upload is {locked.get_status_display().lower()}: there is nothing to re-run."
        )
    now = timezone.now()
    moved = locked.progress_at or locked.created_at
    if moved >= now - stuck_after():
        raise ValidationError(
            "This upload moved in the last "
            f"{int(stuck_after().total_seconds() // 60)} minutes: it is still being processed."
        )
    before = {"status": locked.status, "rows_processed": locked.rows_processed}
    locked.progress_at = now
    locked.save(update_fields=["progress_at"])
    from metrics.tasks import process_csv_upload  # here: the tasks module imports this one

    outbox.enqueue(process_csv_upload, locked.pk)
    audit_record(
        actor=actor,
        organization=locked.organization,
        action="metrics.csv_upload.requeue",
        target=locked,
        before=before,
        after={"queued_at": now.isoformat()},
    )
    return locked
