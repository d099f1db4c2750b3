"""Reads of the webhooks app: the retry sweep's due deliveries."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from webhooks import selectors, services
from webhooks.models import Delivery, DeliveryStatus


def test_due_delivery_ids_are_pending_and_due_in_pk_order_and_bounded(org, admin, endpoint) -> None:
    made = [services.endpoint_send_test(actor=admin, endpoint=endpoint) for _ in range(4)]
    past = timezone.now() - dt.timedelta(seconds=1)
    Delivery.objects.filter(pk__in=[d.pk for d in made]).update(next_attempt_at=past)
    Delivery.objects.filter(pk=made[1].pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    Delivery.objects.filter(pk=made[2].pk).update(status=DeliveryStatus.SUCCEEDED)
    assert selectors.due_delivery_ids() == [made[0].pk, made[3].pk]
    assert selectors.due_delivery_ids(limit=1) == [made[0].pk]
