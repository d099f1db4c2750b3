"""Writes for webhooks: endpoints (org admins), deliveries (created by events, sent by tasks).

Endpoint changes are audited like every other write. Deliveries are created in the transaction
that emitted the event (so a rolled-back change sends nothing) and queued after commit; one
attempt is :func:`delivery_attempt`, which claims the row, posts outside any transaction (no
lock is held during the network call) and records what the endpoint answered.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import socket
import urllib.parse
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from readiness.access import MANAGE, membership_of
from readiness.audit import audit_record, changed, snapshot
from readiness.errors import Conflict
from readiness.events import EVENTS
from readiness.models import Organization, User
from webhooks import formats, signing, transport
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Endpoint,
    Format,
    new_secret,
)

ENDPOINT_FIELDS = ("url", "description", "events", "format")
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
# An attempt in flight holds its delivery this long; a worker that dies mid-send releases it
# when the lease runs out and the retry sweep picks the delivery up again.
CLAIM_LEASE = dt.timedelta(minutes=5)
USER_AGENT = "Readiness-Webhooks/1.0"


# --- Pure rules -------------------------------------------------------------------------------


def backoff_seconds(attempt: int, *, rand: float, retry_after: int | None = None) -> float:
    """Delay before the next try after ``attempt`` failed: 30 s x 4^(attempt-1), capped at 6 h,
    with jitter (50-100 % of that), and never sooner than the endpoint's Retry-After."""
    base = min(BACKOFF_BASE_SECONDS * 4 ** (attempt - 1), BACKOFF_CAP_SECONDS)
    delay = base * (0.5 + rand / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials; https unless DEBUG."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": "Enter the URL that should receive the events."})
    if len(url) > 500:
        raise ValidationError({"url": "The URL is too long (500 characters at most)."})
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": "Enter a full URL starting with https://."})
    if parts.scheme != "https" and not settings.DEBUG:
        raise ValidationError(
            {"url": "Use an https:// URL: deliveries carry your data and a signature."}
        )
    if parts.username or parts.password:
        raise ValidationError(
            {
                "url": "Remove the user name and password from the URL; deliveries are signed instead."
            }
        )
    return url


def validate_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": "Choose at least one event to send."})
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise ValidationError(
            {
                "events": f"Unknown event(s): {', '.join(map(str, unknown))}. "
                f"Choose from {', '.join(EVENTS)}."
            }
        )
    return [e for e in EVENTS if e in events]  # catalogue order, no duplicates


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "url" in clean:
        clean["url"] = validate_url(clean["url"])
    if "events" in clean:
        clean["events"] = validate_events(clean["events"])
    if "format" in clean and clean["format"] not in Format.values:
        raise ValidationError({"format": "Choose JSON or Slack."})
    if "description" in clean:
        clean["description"] = (clean["description"] or "").strip()
        if len(clean["description"]) > 200:
            raise ValidationError({"description": "Keep the description under 200 characters."})
    return clean


def _require_admin(actor: Any, organization_id: int) -> None:
    membership_of(actor, organization_id, predicate=MANAGE)


def _lock_endpoint(pk: int) -> Endpoint:
    return (
        Endpoint.objects.select_for_update(of=("self",)).select_related("organization").get(pk=pk)
    )


def _audit(actor: Any, endpoint: Endpoint, action: str, **kw: Any) -> None:
    audit_record(
        actor=actor,
        organization=endpoint.organization,
        action=f"webhooks.{action}",
        target=endpoint,
        **kw,
    )


# --- Endpoints (org admins) -------------------------------------------------------------------


@transaction.atomic
def endpoint_create(
    *,
    actor: User,
    organization: Organization,
    url: str,
    events: list[str],
    format: str = Format.JSON,
    description: str = "",
) -> Endpoint:
    """Register an endpoint with a new signing secret (readable later by the org's admins)."""
    _require_admin(actor, organization.pk)
    clean = _validated({"url": url, "events": events, "format": format, "description": description})
    endpoint = Endpoint.objects.create(organization=organization, created_by=actor, **clean)
    _audit(actor, endpoint, "endpoint_create", after=snapshot(endpoint, ENDPOINT_FIELDS))
    return endpoint


@transaction.atomic
def endpoint_update(*, actor: User, endpoint: Endpoint, **fields: Any) -> Endpoint:
    _require_admin(actor, endpoint.organization_id)
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    clean = _validated(fields)
    endpoint = _lock_endpoint(endpoint.pk)
    before = snapshot(endpoint, ENDPOINT_FIELDS)
    for name, value in clean.items():
        setattr(endpoint, name, value)
    b, a = changed(before, snapshot(endpoint, ENDPOINT_FIELDS))
    if a:
        endpoint.save(update_fields=[*a, "updated_at"])
        _audit(actor, endpoint, "endpoint_update", before=b, after=a)
    return endpoint


@transaction.atomic
def endpoint_set_active(*, actor: User, endpoint: Endpoint, active: bool) -> Endpoint:
    """Disable (nothing more is sent; pending deliveries fail at their next try) or enable."""
    _require_admin(actor, endpoint.organization_id)
    endpoint = _lock_endpoint(endpoint.pk)
    if endpoint.active != active:
        endpoint.active = active
        endpoint.save(update_fields=["active", "updated_at"])
        _audit(
            actor,
            endpoint,
            "endpoint_enable" if active else "endpoint_disable",
            before={"active": not active},
            after={"active": active},
        )
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: User, endpoint: Endpoint) -> Endpoint:
    """A new secret; the old one stops working at once. The audit says it rotated, not the value."""
    _require_admin(actor, endpoint.organization_id)
    endpoint = _lock_endpoint(endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    _audit(actor, endpoint, "endpoint_rotate_secret", after={"secret": "rotated"})
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: User, endpoint: Endpoint) -> None:
    """Delete the endpoint and its delivery log (the audit trail keeps what it was)."""
    _require_admin(actor, endpoint.organization_id)
    _audit(actor, endpoint, "endpoint_delete", before=snapshot(endpoint, ENDPOINT_FIELDS))
    endpoint.delete()


# --- Deliveries -------------------------------------------------------------------------------


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

    if ids:
        transaction.on_commit(lambda: [deliver.delay(pk) for pk in ids])


def deliveries_for_event(
    *, organization: Organization, event: str, payload: dict[str, Any]
) -> list[Delivery]:
    """The event listener: one delivery per active endpoint of the organization that wants it,
    created in the emitting transaction and queued after it commits. One query when none do."""
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
    _require_admin(actor, endpoint.organization_id)
    endpoint = _lock_endpoint(endpoint.pk)
    if not endpoint.active:
        raise ValidationError("This endpoint is disabled: enable it before sending a test event.")
    delivery = _new_delivery(
        endpoint,
        formats.TEST_EVENT,
        endpoint.organization,
        {"actor": actor.email, "message": "This is a test delivery from Readiness."},
    )
    _audit(actor, endpoint, "endpoint_test", after={"delivery": delivery.pk})
    _queue([delivery.pk])
    return delivery


@transaction.atomic
def delivery_redeliver(*, actor: User, delivery: Delivery) -> Delivery:
    """Send the same event again as a new delivery (same event id, so receivers can dedupe)."""
    _require_admin(actor, delivery.endpoint.organization_id)
    endpoint = _lock_endpoint(delivery.endpoint_id)
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
    _audit(
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


UNRESOLVED = "unresolved"


def _private_address(url: str) -> str | None:
    """The private or local address the URL's host resolves to, if any (outside DEBUG a
    webhook may not reach the app's own network)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        # Not sent either: a host that fails this lookup could resolve differently for the send.
        return UNRESOLVED
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return str(address)
    return None


def _send(delivery: Delivery) -> transport.Result:
    endpoint = delivery.endpoint
    if not getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_NETWORKS", settings.DEBUG):
        private = _private_address(endpoint.url)
        if private == UNRESOLVED:
            # Retried later like any network error.
            return transport.Result(None, "", f"Could not resolve the host of {endpoint.url}.", 0)
        if private:
            return transport.Result(
                None,
                "",
                f"{endpoint.url} resolves to a private address ({private}); not sent.",
                0,
                final=True,
            )
    body = formats.body(delivery.payload, endpoint.format)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Readiness-Event": delivery.event,
        "X-Readiness-Delivery": str(delivery.event_id),
        signing.HEADER: signing.header_value(endpoint.secret, body),
    }
    return transport.post(endpoint.url, body, headers)


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
        current = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
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


def due_delivery_ids(*, limit: int = 200) -> list[int]:
    """Pending deliveries whose next try is due (retries, and claims whose worker died)."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
