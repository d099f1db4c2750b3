"""Webhook endpoints: ETags and If-Match on PATCH, PUT and DELETE (issue 10)."""

from __future__ import annotations

from rest_framework.test import APIClient

from webhooks import services
from webhooks.models import Endpoint

ENDPOINTS = "/api/v1/webhooks/endpoints/"


def test_stale_writes_to_an_endpoint_are_412(org, admin) -> None:
    client = APIClient()
    client.force_authenticate(admin)
    endpoint = services.endpoint_create(
        actor=admin, organization=org, url="https://h.example/r", events=["gate.passed"]
    )
    url = f"{ENDPOINTS}{endpoint.pk}/"
    seen = client.get(url)
    assert seen["ETag"] == '"1"'
    services.endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
    stale = client.patch(url, {"description": "CRM"}, format="json", HTTP_IF_MATCH=seen["ETag"])
    assert stale.status_code == 412
    assert stale.json()["changed_fields"] == ["active"]
    assert client.delete(url, HTTP_IF_MATCH=seen["ETag"]).status_code == 412
    assert Endpoint.objects.get(pk=endpoint.pk).description == ""
    fresh = client.get(url)["ETag"]
    assert client.delete(url, HTTP_IF_MATCH=fresh).status_code == 204
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists()
