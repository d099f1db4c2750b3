"""Celery tasks of the metrics app: thin, idempotent, safe to retry.

Each takes ids, fetches again, leaves quietly when the row is gone, and calls one function:
the roll-up job (:func:`metrics.rollups.rollup_pending`) or the CSV upload service. The task
names (``metrics.tasks.<function>``) are what beat and queued messages refer to: keep them.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from metrics import rollups
from metrics.ingestion import partitions
from metrics.ingestion.uploads import csv_upload_process, csv_uploads_requeue_stuck
from metrics.models import CsvUpload
from readiness.retry import TRANSIENT_DB_ERRORS

log = logging.getLogger(__name__)

# Each run works in bounded batches for a bounded time (METRICS_ROLLUP_RUN_SECONDS, well under
# the task's time limit); what is left waits for the next run (every 30 s).
MAX_BATCHES_PER_RUN = 500


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def rollup_pending() -> dict[str, Any]:
    """Roll up every period marked since the last run (Celery beat, every 30 s).

    Two runs at once split the work between them (marks are claimed with SKIP LOCKED); a run
    that dies leaves its marks to come back when their lease ends.
    """
    result = rollups.rollup_pending(max_batches=MAX_BATCHES_PER_RUN, seconds=rollups.run_seconds())
    if result.claimed:
        log.info(
            "roll-up: %s period(s) claimed, %s written, %s removed, %s kept for a rerun",
            result.claimed,
            result.written,
            result.removed,
            result.released,
        )
    return vars(result)


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def rollup_use_case(use_case_id: int) -> dict[str, Any]:
    """Roll up the marked periods of one use case now (after an on-demand recompute).

    Nothing to fetch: the job takes the use case's marks, and a use case deleted since has
    none left (they go with it), so the run is then empty.
    """
    return vars(rollups.rollup_pending(use_case_ids=[use_case_id], seconds=rollups.run_seconds()))


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def process_csv_upload(upload_id: int) -> str:
    """Process one uploaded CSV file; a retry resumes where the last attempt stopped, and a
    finished upload is left as it is. Returns its status, or "gone"."""
    # Only the id: the service locks the row and reads the rest under the lock.
    upload = CsvUpload.objects.only("pk").filter(pk=upload_id).first()
    if upload is None:
        return "gone"
    processed = csv_upload_process(upload=upload)
    return "gone" if processed is None else processed.status


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def requeue_stuck_uploads() -> int:
    """Beat, every minute: queue again each upload whose processing stopped without finishing
    (its worker died, its message was lost). Returns how many."""
    return csv_uploads_requeue_stuck()


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def maintain_sample_partitions() -> dict[str, Any]:
    """Beat, daily: create the raw samples' month partitions ahead (this month and the next
    two), then drop those past the retention (METRICS_SAMPLE_RETENTION_DAYS; roll-ups stay).
    Idempotent; a month that cannot be dropped yet waits for the next run. PostgreSQL only."""
    created = partitions.ensure_partitions()
    dropped = partitions.drop_expired_partitions()
    return {"created": created, "dropped": dropped.dropped, "waiting": dropped.waiting}
