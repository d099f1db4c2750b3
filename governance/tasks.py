"""Celery tasks for governance: thin, idempotent, in bounded batches."""

from __future__ import annotations

import logging

from celery import shared_task

from governance import services, workstream_facts
from readiness.retry import TRANSIENT_DB_ERRORS

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def expire_evidence(batch_size: int = 200, max_batches: int = 50) -> int:
    """Send items whose evidence has expired back to review (hourly, from beat), in bounded
    batches. Idempotent (see services.evidence_expire). Returns how many were marked."""
    total = services.evidence_expire(batch_size=batch_size, max_batches=max_batches)
    if total:
        log.info("expired %s piece(s) of governance evidence", total)
    return total


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def sync_workstream_facts() -> int:
    """Daily: untick "Model and provider approved" where the registry approval has expired
    with the calendar (see workstream_facts.facts_sync_expired). Idempotent."""
    return workstream_facts.facts_sync_expired()
