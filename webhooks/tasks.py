"""Celery tasks for webhooks: thin, idempotent, safe to run twice (the claim decides)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from readiness.retry import TRANSIENT_DB_ERRORS
from webhooks import selectors, services
from webhooks.models import DeliveryStatus


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def deliver(delivery_id: int) -> str:
    """One attempt at one delivery; a retry is queued for the time the backoff chose.

    With tasks run in-process (no broker, the laptop default) the retry is left to
    :func:`retry_due`, run by beat, rather than run again at once.
    """
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if (
        delivery.status == DeliveryStatus.PENDING
        and delivery.next_attempt_at is not None
        and not settings.CELERY_TASK_ALWAYS_EAGER
        # Redis hands an unacked message (one held for its eta) to another worker after the
        # visibility timeout: a later retry is left to retry_due, which beat runs every minute.
        and delivery.next_attempt_at - timezone.now()
        < dt.timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2)
    ):
        deliver.apply_async((delivery_id,), eta=delivery.next_attempt_at)
    return str(delivery.status)


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def retry_due() -> int:
    """Beat, every minute: queue each pending delivery whose next try is due. Bounded batch."""
    ids = selectors.due_delivery_ids()
    for pk in ids:
        deliver.delay(pk)
    return len(ids)
