"""Webhooks are for org admins only: a non-member gets 404, a member of another role 403, and an
endpoint or delivery of another organization 404 like a missing one (see readiness.access)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from readiness.access import MANAGE, membership_for
from readiness.models import Membership
from webhooks.models import Delivery, Endpoint


def admin_membership(user: Any, org_slug: str) -> Membership:
    return membership_for(user, org_slug, predicate=MANAGE)


def _pk(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def access_endpoint(user: Any, pk: Any, *, org_slug: str) -> Endpoint:
    membership = admin_membership(user, org_slug)
    endpoint = (
        Endpoint.objects.select_related("organization", "created_by")
        .filter(pk=_pk(pk), organization=membership.organization)
        .first()
    )
    if endpoint is None:
        raise Http404("No such webhook endpoint")
    return endpoint


def access_delivery(user: Any, pk: Any, *, org_slug: str) -> Delivery:
    membership = admin_membership(user, org_slug)
    delivery = (
        Delivery.objects.select_related("endpoint__organization")
        .filter(pk=_pk(pk), endpoint__organization=membership.organization)
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery")
    return delivery
