"""Celery tasks of the metrics app: thin, idempotent, safe to retry."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from metrics import rollups

log = logging.getLogger(__name__)

# Each run works in bounded batches; what is left waits for the next run (every 5 minutes).
MAX_BATCHES_PER_RUN = 500


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def rollup_pending() -> dict[str, Any]:
    """Roll up every period marked since the last run (Celery beat, every 5 minutes).

    Two runs at once split the work between them (marks are claimed with SKIP LOCKED); a run
    that dies leaves its marks to come back when their lease ends.
    """
    result = rollups.rollup_pending(max_batches=MAX_BATCHES_PER_RUN)
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
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def rollup_use_case(use_case_id: int) -> dict[str, Any]:
    """Roll up the marked periods of one use case now (after an on-demand recompute)."""
    return vars(rollups.rollup_pending(use_case_ids=[use_case_id]))


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def process_csv_upload(upload_id: int) -> str:
    """Process one uploaded CSV file; a retry resumes where the last attempt stopped."""
    from metrics.services.uploads import csv_upload_process

    upload = csv_upload_process(upload_id)
    return "gone" if upload is None else upload.status
