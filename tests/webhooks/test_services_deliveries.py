"""Delivery services, end to end against a real local HTTP server: signature, retries with
backoff, logging, test events and redeliveries."""

from __future__ import annotations

import datetime as dt
import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness import events
from readiness.models import AuditEvent
from webhooks import services, signing, tasks
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus
from webhooks.services import MAX_ATTEMPTS, backoff_seconds

PAYLOAD = {"use_case": {"id": 7, "name": "Triage"}, "target": "phase:2", "actor": "pm@x.example"}


def emit(org: Any, event: str = "gate.passed", payload: dict[str, Any] | None = None) -> None:
    with transaction.atomic():
        events.emit(organization=org, event=event, payload=payload or PAYLOAD)


def make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_event_is_delivered_signed_after_commit(
    org, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emit(org)
        assert receiver.received == []  # nothing leaves before the commit
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    for callback in callbacks:
        callback()

    [request] = receiver.received
    assert request.path == "/hooks/readiness"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Readiness-Event"] == "gate.passed"
    assert request.headers["X-Readiness-Delivery"] == str(delivery.event_id)
    assert signing.verify(endpoint.secret, request.body, request.headers[signing.HEADER])
    body = request.json()
    assert body["event"] == "gate.passed"
    assert body["id"] == str(delivery.event_id)
    assert body["organization"] == {"slug": org.slug, "name": org.name}
    assert body["data"]["use_case"] == {
        "id": 7,
        "name": "Triage",
        "url": f"https://readiness.example/o/{org.slug}/use-cases/7/",
    }

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert (delivery.attempts, delivery.response_status) == (1, 200)
    assert delivery.response_body == '{"ok": true}'
    assert delivery.next_attempt_at is None
    [attempt] = delivery.attempt_log.all()
    assert attempt.response_status == 200 and not attempt.will_retry


def test_rolled_back_change_sends_nothing(org, endpoint, receiver) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit(organization=org, event="gate.passed", payload=PAYLOAD)
        raise RuntimeError("the change failed")
    assert not Delivery.objects.exists()
    assert receiver.received == []


def test_only_active_endpoints_subscribed_to_the_event_get_it(
    org, admin, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    services.endpoint_create(
        actor=admin, organization=org, url=receiver.url, events=["scale.decided"]
    )
    off = services.endpoint_create(
        actor=admin, organization=org, url=receiver.url, events=["gate.passed"]
    )
    services.endpoint_set_active(actor=admin, endpoint=off, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [endpoint.pk]


def test_other_organizations_endpoints_get_nothing(
    org, endpoint, other_org, receiver, django_capture_on_commit_callbacks
) -> None:
    other, _, _ = other_org
    with django_capture_on_commit_callbacks(execute=True):
        emit(other)
    assert not Delivery.objects.exists()


def test_500_is_retried_with_backoff_then_succeeds(
    org, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.answer((500, "boom"), 200)
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert (delivery.attempts, delivery.response_status, delivery.response_body) == (1, 500, "boom")
    assert "HTTP 500" in delivery.error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 10 <= wait <= 31  # first backoff: 15-30 s

    assert tasks.deliver(delivery.pk) == "skipped"  # not due yet: nothing is sent
    assert len(receiver.received) == 1

    make_due(delivery)
    assert tasks.retry_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2 and delivery.error == ""
    assert [(a.number, a.response_status, a.will_retry) for a in delivery.attempt_log.all()] == [
        (1, 500, True),
        (2, 200, False),
    ]
    # Both tries carried the same event id, each with its own valid signature.
    first, second = receiver.received
    assert first.headers["X-Readiness-Delivery"] == second.headers["X-Readiness-Delivery"]
    assert signing.verify(endpoint.secret, second.body, second.headers[signing.HEADER])
    assert tasks.deliver(delivery.pk) == "skipped"  # idempotent once done
    assert len(receiver.received) == 2


def test_400_is_not_retried(org, endpoint, receiver, django_capture_on_commit_callbacks) -> None:
    receiver.answer((400, '{"error": "bad"}'))
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert (delivery.attempts, delivery.response_status) == (1, 400)
    assert delivery.next_attempt_at is None
    assert tasks.retry_due() == 0
    assert len(receiver.received) == 1


def test_429_is_retried_no_sooner_than_retry_after(
    org, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.answer((429, "slow down", {"Retry-After": "120"}))
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert (delivery.next_attempt_at - timezone.now()).total_seconds() > 110


def test_gives_up_after_max_attempts(
    org, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.answer(503)
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        make_due(delivery)
        tasks.retry_due()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS == len(receiver.received)
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == MAX_ATTEMPTS
    assert not delivery.attempt_log.last().will_retry


def test_network_error_is_logged_and_retried(
    org, admin, django_capture_on_commit_callbacks
) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    services.endpoint_create(
        actor=admin, organization=org, url=f"http://127.0.0.1:{port}/x", events=["gate.passed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status is None
    assert "refused" in delivery.error.lower() or "error" in delivery.error.lower()
    assert delivery.attempt_log.get().will_retry


def test_redirects_are_not_followed(
    org, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    receiver.answer((302, "", {"Location": "https://elsewhere.example/"}))
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.response_status == 302
    assert "register the final URL" in delivery.error
    assert len(receiver.received) == 1


def test_disabled_endpoint_fails_its_pending_deliveries(
    org, admin, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    emit(org)  # not captured: stays pending, like a queued task
    services.endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
    delivery = Delivery.objects.get()
    assert tasks.deliver(delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "disabled" in delivery.error
    assert receiver.received == []


def test_private_addresses_are_refused_at_send_time(
    org, endpoint, receiver, settings, django_capture_on_commit_callbacks
) -> None:
    """An endpoint saved while private addresses were allowed is not sent to once they are not."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "resolves to 127.0.0.1, a private, local or reserved address" in delivery.error
    assert receiver.received == []


def test_a_host_that_does_not_resolve_is_not_sent(
    org, endpoint, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    """A lookup failure is not a pass: the host could resolve to a private address for the send."""
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with django_capture_on_commit_callbacks(execute=True):
        emit(org)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # retried later, like a network error
    assert "Could not resolve" in delivery.error
    assert receiver.received == []


def test_a_claim_past_the_last_attempt_fails_the_delivery(org, endpoint, receiver) -> None:
    """A worker that died after claiming its last attempt leaves the delivery failed, not looping."""
    emit(org)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS)
    assert services.delivery_attempt(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_slack_format_posts_text_and_blocks(
    org, admin, receiver, django_capture_on_commit_callbacks
) -> None:
    services.endpoint_create(
        actor=admin, organization=org, url=receiver.url, events=["gate.refused"], format="slack"
    )
    with django_capture_on_commit_callbacks(execute=True):
        emit(org, "gate.refused", {**PAYLOAD, "blockers": ["Sign-off missing"]})
    body = receiver.received[0].json()
    assert body["text"] == "Triage: the gate to phase 2 was refused with 1 blocker (pm@x.example)."
    assert any("Open the use case" in b.get("text", {}).get("text", "") for b in body["blocks"])


def test_test_event_and_redelivery_are_audited(
    org, admin, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        test = services.endpoint_send_test(actor=admin, endpoint=endpoint)
    test.refresh_from_db()
    assert test.event == "webhook.test" and test.status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        again = services.delivery_redeliver(actor=admin, delivery=test)
    again.refresh_from_db()
    assert again.status == DeliveryStatus.SUCCEEDED
    assert again.event_id == test.event_id and again.redelivery_of == test
    assert len(receiver.received) == 2
    actions = list(
        AuditEvent.objects.filter(organization=org, action__startswith="webhooks.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "webhooks.endpoint_create",
        "webhooks.endpoint_test",
        "webhooks.delivery_redeliver",
    ]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    lows = [backoff_seconds(n, rand=0.0) for n in range(1, MAX_ATTEMPTS)]
    highs = [backoff_seconds(n, rand=1.0) for n in range(1, MAX_ATTEMPTS)]
    assert highs == [30, 120, 480, 1920, 7680]
    assert lows == [h / 2 for h in highs]
    assert backoff_seconds(20, rand=1.0) == 6 * 60 * 60


def test_backoff_respects_retry_after() -> None:
    assert backoff_seconds(1, rand=1.0, retry_after=600) == 600
    assert backoff_seconds(1, rand=1.0, retry_after=5) == 30


def test_test_event_needs_an_active_endpoint(org, admin, endpoint) -> None:
    services.endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
    with pytest.raises(ValidationError, match="disabled"):
        services.endpoint_send_test(actor=admin, endpoint=endpoint)
