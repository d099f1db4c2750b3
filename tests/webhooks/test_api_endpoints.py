"""Webhook endpoints API: CRUD for org admins, scoped to their organizations; writes go through
webhooks.access (404 outside the user's organizations, 403 for another role)."""

from __future__ import annotations

from rest_framework.test import APIClient

from readiness.models import AuditEvent, Role
from tests.factories import add_member
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


def test_writes_look_the_endpoint_up_through_access(org, admin, endpoint, other_org) -> None:
    """Another organization's endpoint is 404 for every write; a member here of another role
    finds it but may not change it (403), and nothing changes either way."""
    _, other_admin, _ = other_org
    pm = add_member(org, Role.PROGRAM_MANAGER)
    for user, expected in ((other_admin, 404), (pm, 403)):
        client = api(user)
        detail = f"{ENDPOINTS}{endpoint.pk}/"
        assert (
            client.put(
                detail, {"url": "https://h.example/r", "events": ["gate.passed"]}, format="json"
            ).status_code
            == expected
        )
        assert client.patch(detail, {"active": False}, format="json").status_code == expected
        assert client.post(f"{detail}test/").status_code == expected
        assert client.delete(detail).status_code == expected
    endpoint.refresh_from_db()
    assert endpoint.active and not Delivery.objects.exists()
