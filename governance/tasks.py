"""Celery tasks for governance: thin, idempotent, in bounded batches."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from governance import services

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def expire_evidence(batch_size: int = 200, max_batches: int = 50) -> int:
    """Send items whose evidence has expired back to review (hourly, from beat).

    Each batch is its own transaction and marks what it handled, so running twice, or
    concurrently, never handles a piece of evidence twice. Returns how many were marked.
    """
    total = 0
    for _ in range(max_batches):
        marked = services.evidence_expire_due(batch_size=batch_size)
        total += marked
        if marked < batch_size:
            break
    if total:
        log.info("expired %s piece(s) of governance evidence", total)
    return total
