"""Celery tasks of the executive app: thin wrappers that fetch by id and call one function."""

from __future__ import annotations

from celery import shared_task

from portfolio import stored
from portfolio.services.digest import digest_send
from readiness import outbox
from readiness.models import Organization
from readiness.retry import TRANSIENT_ERRORS


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_weekly_digest(organization_id: int | None = None) -> int:
    """Beat, Mondays 07:00 UTC: without an id, queue one task per organization (so one failing
    mail server answer does not hold up the others); with an id, send that organization's digest.
    Idempotent per organization per ISO week (see portfolio.services.digest.digest_send)."""
    if organization_id is None:
        ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        for pk in ids:
            outbox.enqueue(send_weekly_digest, pk)
        return len(ids)
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return digest_send(organization=organization)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def refresh_readiness(use_case_ids: list[int]) -> int:
    """Queued after commit by a change to these use cases (debounced): judge them again and
    store their rows. Idempotent; ids of deleted use cases are skipped."""
    stored.unqueue(use_case_ids)
    return stored.readiness_refresh(use_case_ids=use_case_ids)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def refresh_stale_readiness() -> int:
    """Beat, every minute: recompute every stored readiness that is missing, marked or judged
    for another day (so, just after midnight, every row), in bounded batches. Idempotent."""
    return stored.refresh_stale()
