"""Reads for the webhooks pages, the API and the retry sweep; each runs a fixed number of
queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

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


def due_delivery_ids(*, limit: int = 200) -> list[int]:
    """Pending deliveries whose next try is due (retries, and claims whose worker died), in
    primary-key order, at most ``limit``."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_unsettled(organization: Organization, *, limit: int = 50) -> Sequence[Delivery]:
    """The organization's pending and failed deliveries, for the background-jobs page: pending
    first (the next try soonest), then failed, newest first; at most ``limit``. A failed one
    that was redelivered since carries ``redelivered`` (its redelivery is listed on its own).
    Two queries."""
    unsettled = (
        Delivery.objects.filter(
            endpoint__organization=organization,
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        )
        .select_related("endpoint")
        .defer("payload", "response_body")
        .annotate(redelivered=Count("redeliveries"))
    )
    pending = unsettled.filter(status=DeliveryStatus.PENDING).order_by("next_attempt_at", "pk")
    failed = unsettled.filter(status=DeliveryStatus.FAILED).order_by("-created_at", "-pk")
    found = list(pending[:limit])
    return found + list(failed[: limit - len(found)])


def unsettled_counts(organization: Organization) -> dict[str, int]:
    """How many of the organization's deliveries are pending and failed, in all (one query)."""
    found = Delivery.objects.filter(endpoint__organization=organization).aggregate(
        pending=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
    )
    return {"pending": found["pending"] or 0, "failed": found["failed"] or 0}
