"""Reads for the webhooks pages and API; each runs a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from readiness.models import Organization
from webhooks.models import Delivery, DeliveryStatus, Endpoint


def endpoints_for(organization: Organization) -> QuerySet[Endpoint]:
    """The organization's endpoints with their delivery counts and last delivery time."""
    return (
        Endpoint.objects.filter(organization=organization)
        .select_related("created_by")
        .annotate(
            delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SUCCEEDED)),
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            last_delivery_at=Max("deliveries__created_at"),
        )
        .order_by("-active", "url", "pk")
    )


def deliveries_for(
    organization: Organization, *, endpoint_id: Any = None, status: str = "", event: str = ""
) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(endpoint__organization=organization).select_related("endpoint")
    if endpoint_id:
        qs = qs.filter(endpoint_id=endpoint_id)
    if status:
        qs = qs.filter(status=status)
    if event:
        qs = qs.filter(event=event)
    return qs.order_by("-created_at", "-pk")
