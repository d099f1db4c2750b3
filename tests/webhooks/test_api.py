"""Webhooks API: endpoints CRUD and the delivery log, org admins only, scoped to their orgs."""

from __future__ import annotations

from rest_framework.test import APIClient

from readiness.models import AuditEvent, Role
from tests.factories import add_member
from webhooks import services
from webhooks.models import Delivery, Endpoint

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_admin_crud(org, admin) -> None:
    client = api(admin)
    response = client.post(
        ENDPOINTS,
        {"organization": org.slug, "url": "https://h.example/r", "events": ["gate.passed"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["organization"] == org.slug
    pk = body["id"]
    assert client.get(ENDPOINTS).json()["results"][0]["id"] == pk
    response = client.patch(
        f"{ENDPOINTS}{pk}/", {"active": False, "format": "slack"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["format"]) == (False, "slack")
    assert client.delete(f"{ENDPOINTS}{pk}/").status_code == 204
    assert not Endpoint.objects.exists()
    assert AuditEvent.objects.filter(action="webhooks.endpoint_delete").exists()


def test_bad_input_is_400_by_field(org, admin) -> None:
    response = api(admin).post(
        ENDPOINTS,
        {"organization": org.slug, "url": "ftp://x", "events": ["nope"]},
        format="json",
    )
    assert response.status_code == 400
    assert "events" in response.json()
    response = api(admin).post(
        ENDPOINTS,
        {"organization": org.slug, "url": "ftp://x", "events": ["gate.passed"]},
        format="json",
    )
    assert response.status_code == 400 and "url" in response.json()
    assert not Endpoint.objects.exists()


def test_other_roles_cannot_create_or_see(org, admin, endpoint) -> None:
    for role in (Role.PROGRAM_MANAGER, Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE, Role.VIEWER):
        user = add_member(org, role)
        client = api(user)
        response = client.post(
            ENDPOINTS,
            {"organization": org.slug, "url": "https://h.example/r", "events": ["gate.passed"]},
            format="json",
        )
        assert response.status_code == 403, role
        assert client.get(ENDPOINTS).json()["results"] == []
        assert client.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 404
        assert client.get(DELIVERIES).json()["results"] == []


def test_other_org_is_invisible(org, admin, endpoint, other_org) -> None:
    _, other_admin, _ = other_org
    client = api(other_admin)
    assert client.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 404
    assert (
        client.patch(f"{ENDPOINTS}{endpoint.pk}/", {"active": False}, format="json").status_code
        == 404
    )
    response = client.post(
        ENDPOINTS,
        {"organization": org.slug, "url": "https://h.example/r", "events": ["gate.passed"]},
        format="json",
    )
    assert response.status_code == 400 and "organization" in response.json()


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
