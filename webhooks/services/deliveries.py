"""Deliveries: created by events (in the emitting transaction), sent by tasks after commit.

One attempt is :func:`delivery_attempt`, which claims the row, posts outside any transaction
(no lock is held during the network call) and records what the endpoint answered.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from readiness import events, outbox
from readiness.errors import Conflict
from readiness.models import Organization, User
from webhooks import formats, signing, transport
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from webhooks.services.common import audit, lock_endpoint, require_admin

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
# An attempt in flight holds its delivery this long; a worker that dies mid-send releases it
# when the lease runs out and the retry sweep picks the delivery up again.
CLAIM_LEASE = dt.timedelta(minutes=5)
USER_AGENT = "Readiness-Webhooks/1.0"


def backoff_seconds(attempt: int, *, rand: float, retry_after: int | None = None) -> float:
    """Delay before the next try after ``attempt`` failed: 30 s x 4^(attempt-1), capped at 6 h,
    with jitter (50-100 % of that), and never sooner than the endpoint's Retry-After."""
    base = min(BACKOFF_BASE_SECONDS * 4 ** (attempt - 1), BACKOFF_CAP_SECONDS)
    delay = base * (0.5 + rand / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def _with_links(organization: Organization, payload: dict[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    use_case = data.get("use_case")
    if isinstance(use_case, dict) and use_case.get("id"):
        path = reverse("usecase_detail", kwargs={"org": organization.slug, "pk": use_case["id"]})
        data["use_case"] = {**use_case, "url": f"{settings.SITE_URL}{path}"}
    return data


def _new_delivery(
    endpoint: Endpoint, event: str, organization: Organization, data: dict[str, Any]
) -> Delivery:
    delivery = Delivery(endpoint=endpoint, event=event)
    delivery.payload = formats.envelope(
        event_id=str(delivery.event_id),
        event=event,
        created_at=delivery.created_at.isoformat(),
        organization={"slug": organization.slug, "name": organization.name},
        data=_with_links(organization, data),
    )
    delivery.save()
    return delivery


def _queue(ids: list[int]) -> None:
    from webhooks.tasks import deliver

    for pk in ids:
        outbox.enqueue(deliver, pk)


def deliveries_for_event(outbound: events.Outbound) -> list[Delivery]:
    """Subscribed to readiness's outbound events: one delivery per active endpoint of the
    organization that wants it, created in the emitting transaction and queued after it
    commits. One query when none do."""
    organization, event, payload = outbound.organization, outbound.name, outbound.payload
    endpoints = [
        e
        for e in Endpoint.objects.filter(organization=organization, active=True).order_by("pk")
        if e.wants(event)
    ]
    created = [_new_delivery(e, event, organization, payload) for e in endpoints]
    _queue([d.pk for d in created])
    return created


@transaction.atomic
def endpoint_send_test(*, actor: User, endpoint: Endpoint) -> Delivery:
    """Queue a ``webhook.test`` delivery to the endpoint, whatever events it subscribes to."""
    require_admin(actor, endpoint.organization_id)
    endpoint = lock_endpoint(endpoint.pk)
    if not endpoint.active:
        raise ValidationError("This endpoint is disabled: enable it before sending a test event.")
    delivery = _new_delivery(
        endpoint,
        formats.TEST_EVENT,
        endpoint.organization,
        {"actor": actor.email, "message": "This is a test delivery from Readiness."},
    )
    audit(actor, endpoint, "endpoint_test", after={"delivery": delivery.pk})
    _queue([delivery.pk])
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send the same event again as a new delivery (same event id, so receivers can dedupe)."""
    require_admin(actor, delivery.endpoint.organization_id)
    endpoint = lock_endpoint(delivery.endpoint_id)
    delivery.refresh_from_db(fields=["status"])
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict("This delivery is still being tried; wait for it to succeed or fail.")
    if not endpoint.active:
        raise ValidationError("This endpoint is disabled: enable it before redelivering.")
    again = Delivery.objects.create(
        endpoint=endpoint,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        redelivery_of=delivery,
    )
    audit(
        actor,
        endpoint,
        "delivery_redeliver",
        after={"delivery": delivery.pk, "redelivery": again.pk, "event": delivery.event},
    )
    _queue([again.pk])
    return again


def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    """Take the next attempt of a due delivery, or None if it is gone, done or not due."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("endpoint__organization")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return None
        if delivery.attempts >= MAX_ATTEMPTS:
            # A claimed attempt whose worker died without recording it: stop here.
            delivery.status = DeliveryStatus.FAILED
            delivery.error = delivery.error or f"Gave up after {delivery.attempts} attempts."
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
            return None
        if not delivery.endpoint.active:
            delivery.status = DeliveryStatus.FAILED
            delivery.error = "The endpoint was disabled before this delivery was sent."
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + CLAIM_LEASE
        delivery.last_attempt_at = now
        delivery.save(
            update_fields=["attempts", "next_attempt_at", "last_attempt_at", "updated_at"]
        )
        return delivery


def _send(delivery: Delivery) -> transport.Result:
    """One POST, to an address checked on this very lookup (webhooks.addresses)."""
    endpoint = delivery.endpoint
    body = formats.body(delivery.payload, endpoint.format)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Readiness-Event": delivery.event,
        "X-Readiness-Delivery": str(delivery.event_id),
        signing.HEADER: signing.header_value(endpoint.secret, body),
    }
    return transport.post(
        endpoint.url, body, headers, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS
    )


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """Make one attempt if the delivery is due; record it. Returns the delivery as it now stands,
    or None when there was nothing to do (gone, finished, not yet due, endpoint disabled).

    Succeeds on 2xx. Network errors, 5xx and 429 are retried with backoff until MAX_ATTEMPTS;
    any other answer (4xx, a redirect) fails at once: retrying would get the same answer.
    """
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    result = _send(delivery)
    with transaction.atomic():
        current = Delivery.objects.select_for_update(of=("self",)).filter(pk=delivery.pk).first()
        if current is None:
            return None  # the endpoint was deleted while its request was in flight
        delivery = current
        retry = not result.ok and result.retryable and delivery.attempts < MAX_ATTEMPTS
        error = result.error
        if not result.ok and not error and result.status is not None:
            error = f"The endpoint answered HTTP {result.status}."
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=now,
            duration_ms=result.duration_ms,
            response_status=result.status,
            response_body=result.body,
            error=error,
            will_retry=retry,
        )
        delivery.response_status = result.status
        delivery.response_body = result.body
        delivery.error = "" if result.ok else error
        delivery.duration_ms = result.duration_ms
        if result.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
        elif retry:
            delay = backoff_seconds(
                delivery.attempts, rand=random.random(), retry_after=result.retry_after
            )
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        delivery.save(
            update_fields=[
                "status",
                "response_status",
                "response_body",
                "error",
                "duration_ms",
                "next_attempt_at",
                "updated_at",
            ]
        )
    return delivery
