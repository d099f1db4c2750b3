"""Webhooks are for org admins only, on the one access path (:mod:`readiness.access`): a
non-member gets 404, a member of another role 403, and an endpoint or delivery of another
organization 404 like a missing one. Pages pass the request's membership, the API the user."""

from __future__ import annotations

from typing import Any

from readiness.access import get_scoped
from readiness.models import Membership, Perm
from webhooks.models import Delivery, Endpoint


def access_endpoint(who: Membership | Any, pk: Any) -> Endpoint:
    return get_scoped(
        Endpoint.objects.select_related("organization", "created_by"),
        who,
        pk,
        org_path="organization",
        perm=Perm.ADMINISTER,
    )


def access_delivery(who: Membership | Any, pk: Any) -> Delivery:
    return get_scoped(
        Delivery.objects.select_related("endpoint__organization"),
        who,
        pk,
        org_path="endpoint__organization",
        perm=Perm.ADMINISTER,
    )
