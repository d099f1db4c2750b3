"""What the webhooks services share: the admin check, the endpoint lock, the audit record."""

from __future__ import annotations

from typing import Any

from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.models import Perm
from webhooks.models import Endpoint


def require_admin(actor: Any, organization_id: int) -> None:
    membership_of(actor, organization_id, perm=Perm.ADMINISTER)


def lock_endpoint(pk: int) -> Endpoint:
    return (
        Endpoint.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization")
        .get(pk=pk)
    )


def audit(actor: Any, endpoint: Endpoint, action: str, **kw: Any) -> None:
    audit_record(
        actor=actor,
        organization=endpoint.organization,
        action=f"webhooks.{action}",
        target=endpoint,
        **kw,
    )
