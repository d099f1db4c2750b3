"""Writes for webhooks: endpoints (org admins) and deliveries (created by events, sent by tasks).

Endpoint changes are audited like every other write (:mod:`.endpoints`). Deliveries are created
in the transaction that emitted the event (so a rolled-back change sends nothing) and queued
after commit; one attempt is :func:`delivery_attempt` (:mod:`.deliveries`).
"""

from webhooks.services.deliveries import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    USER_AGENT,
    backoff_seconds,
    deliveries_for_event,
    delivery_attempt,
    delivery_redeliver,
    endpoint_send_test,
)
from webhooks.services.endpoints import (
    ENDPOINT_FIELDS,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_set_active,
    endpoint_update,
    validate_events,
    validate_url,
)

__all__ = [
    "BACKOFF_BASE_SECONDS",
    "BACKOFF_CAP_SECONDS",
    "CLAIM_LEASE",
    "ENDPOINT_FIELDS",
    "MAX_ATTEMPTS",
    "USER_AGENT",
    "backoff_seconds",
    "deliveries_for_event",
    "delivery_attempt",
    "delivery_redeliver",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_rotate_secret",
    "endpoint_send_test",
    "endpoint_set_active",
    "endpoint_update",
    "validate_events",
    "validate_url",
]
