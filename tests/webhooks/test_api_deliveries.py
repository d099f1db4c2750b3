"""Webhook deliveries API: the log for org admins, filters, redelivery."""

from __future__ import annotations

from rest_framework.test import APIClient

from readiness.models import Role
from tests.factories import add_member
from webhooks import services
from webhooks.models import Delivery

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_deliveries_list_filter_and_redeliver(
    org, admin, endpoint, receiver, django_capture_on_commit_callbacks
) -> None:
    client = api(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{ENDPOINTS}{endpoint.pk}/test/")
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    rows = client.get(DELIVERIES, {"endpoint": endpoint.pk, "status": "succeeded"}).json()[
        "results"
    ]
    assert [r["id"] for r in rows] == [delivery.pk]
    assert rows[0]["response_status"] == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 202
    assert response.json()["redelivery_of"] == delivery.pk
    assert len(receiver.received) == 2


def test_pending_redelivery_is_409(org, admin, endpoint) -> None:
    delivery = services.endpoint_send_test(actor=admin, endpoint=endpoint)
    assert api(admin).post(f"{DELIVERIES}{delivery.pk}/redeliver/").status_code == 409


def test_redeliver_of_another_org_is_404_and_other_roles_403(
    org, admin, endpoint, other_org
) -> None:
    delivery = services.endpoint_send_test(actor=admin, endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed")
    _, other_admin, _ = other_org
    assert api(other_admin).post(f"{DELIVERIES}{delivery.pk}/redeliver/").status_code == 404
    pm = add_member(org, Role.PROGRAM_MANAGER)
    assert api(pm).post(f"{DELIVERIES}{delivery.pk}/redeliver/").status_code == 403
    assert Delivery.objects.count() == 1
