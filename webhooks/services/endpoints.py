"""Endpoints (org admins): register, change, disable or enable, rotate the secret, delete.

Every change is audited like every other write; the secret itself never reaches the audit.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from readiness.audit import audit_at_end, changed, snapshot
from readiness.events import EVENTS
from readiness.models import Organization, User
from readiness.versioning import check_version
from webhooks import addresses
from webhooks.models import Endpoint, Format, new_secret
from webhooks.services.common import audit, lock_endpoint, require_admin

# What an admin may change on an endpoint (the API and the audit snapshots use the same list).
ENDPOINT_FIELDS = ("url", "description", "events", "format")


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials; https unless DEBUG; a host that
    resolves to public addresses only, unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS."""
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
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(
            {"url": "The port in the URL is not a number from 1 to 65535."}
        ) from None
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        # Checked again, on the address actually connected to, at every send (transport.post).
        try:
            addresses.resolve_public(parts.hostname, port)
        except addresses.Unresolved:
            raise ValidationError(
                {"url": f"The host {parts.hostname} could not be found: check the URL."}
            ) from None
        except addresses.AddressRefused as exc:
            raise ValidationError({"url": str(exc)}) from None
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
    require_admin(actor, organization.pk)
    clean = _validated({"url": url, "events": events, "format": format, "description": description})
    endpoint = Endpoint.objects.create(organization=organization, created_by=actor, **clean)
    audit(actor, endpoint, "endpoint_create", after=snapshot(endpoint, ENDPOINT_FIELDS))
    return endpoint


@transaction.atomic
def endpoint_update(
    *, actor: User, endpoint: Endpoint, expected_version: int | None = None, **fields: Any
) -> Endpoint:
    require_admin(actor, endpoint.organization_id)
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise ValidationError(f"Cannot change {', '.join(sorted(unknown))} here.")
    clean = _validated(fields)
    endpoint = lock_endpoint(endpoint.pk)
    check_version(endpoint, expected_version)
    before = snapshot(endpoint, ENDPOINT_FIELDS)
    for name, value in clean.items():
        setattr(endpoint, name, value)
    b, a = changed(before, snapshot(endpoint, ENDPOINT_FIELDS))
    if a:
        endpoint.save(update_fields=[*a, "updated_at"])
        audit(actor, endpoint, "endpoint_update", before=b, after=a)
    return endpoint


@transaction.atomic
def endpoint_set_active(
    *, actor: User, endpoint: Endpoint, active: bool, expected_version: int | None = None
) -> Endpoint:
    """Disable (nothing more is sent; pending deliveries fail at their next try) or enable.
    With ``expected_version``, StaleVersion if the endpoint changed since."""
    require_admin(actor, endpoint.organization_id)
    endpoint = lock_endpoint(endpoint.pk)
    check_version(endpoint, expected_version)
    if endpoint.active != active:
        endpoint.active = active
        endpoint.save(update_fields=["active", "updated_at"])
        audit(
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
    require_admin(actor, endpoint.organization_id)
    endpoint = lock_endpoint(endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit(actor, endpoint, "endpoint_rotate_secret", after={"secret": "rotated"})
    return endpoint


@transaction.atomic
@audit_at_end()  # recorded, then deleted (with its deliveries): the record is appended last
def endpoint_delete(
    *, actor: User, endpoint: Endpoint, expected_version: int | None = None
) -> None:
    """Delete the endpoint and its delivery log (the audit trail keeps what it was). With
    ``expected_version``, StaleVersion if it changed since (nothing deleted)."""
    require_admin(actor, endpoint.organization_id)
    endpoint = lock_endpoint(endpoint.pk)
    check_version(endpoint, expected_version)
    audit(actor, endpoint, "endpoint_delete", before=snapshot(endpoint, ENDPOINT_FIELDS))
    endpoint.delete()
