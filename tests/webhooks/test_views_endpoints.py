"""Webhooks endpoint pages: org admins only, scoped to the organization, every action through a
service."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness.models import AuditEvent, Role
from webhooks import services
from webhooks.models import Endpoint


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


PAGES = ["webhooks_endpoints", "webhooks_endpoint_create", "webhooks_deliveries"]


# Not "page": that is Playwright's fixture, and with it the test ran once per browser too.
@pytest.mark.parametrize("page_name", PAGES)
def test_role_matrix_only_org_admins_see_webhook_pages(client, org, role_member, page_name) -> None:
    role, user = role_member
    client.force_login(user)
    response = client.get(url(page_name, org))
    assert response.status_code == (200 if role == Role.ORG_ADMIN else 403)


def test_non_members_get_404(client, org, other_org, endpoint) -> None:
    _, other_admin, _ = other_org
    client.force_login(other_admin)
    assert client.get(url("webhooks_endpoints", org)).status_code == 404
    assert client.get(url("webhooks_endpoint", org, endpoint.pk)).status_code == 404


def test_endpoint_of_another_org_is_404_even_for_an_admin_here(
    client, org, admin, other_org
) -> None:
    other, other_admin, _ = other_org
    foreign = services.endpoint_create(
        actor=other_admin, organization=other, url="https://x.example/h", events=["gate.passed"]
    )
    client.force_login(admin)
    assert client.get(url("webhooks_endpoint", org, foreign.pk)).status_code == 404
    assert (
        client.post(url("webhooks_endpoint_active", org, foreign.pk), {"active": "0"}).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.active


def test_create_endpoint_then_see_its_secret(client, org, admin) -> None:
    client.force_login(admin)
    response = client.post(
        url("webhooks_endpoint_create", org),
        {
            "url": "https://hooks.example.com/r",
            "description": "Ops",
            "events": ["gate.passed", "incident.opened"],
            "format": "slack",
        },
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("webhooks_endpoint", org, endpoint.pk)
    page = client.get(response["Location"])
    assert endpoint.secret in page.content.decode()
    assert (endpoint.format, endpoint.events) == ("slack", ["gate.passed", "incident.opened"])


def test_bad_form_says_what_to_fix_and_saves_nothing(client, org, admin, settings) -> None:
    settings.DEBUG = False
    client.force_login(admin)
    response = client.post(
        url("webhooks_endpoint_create", org),
        {"url": "http://hooks.example.com/r", "events": [], "format": "json"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose at least one event to send." in text
    assert not Endpoint.objects.exists()
    response = client.post(
        url("webhooks_endpoint_create", org),
        {"url": "http://hooks.example.com/r", "events": ["gate.passed"], "format": "json"},
    )
    assert "Use an https:// URL" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_edit_disable_enable_rotate(client, org, admin, endpoint) -> None:
    client.force_login(admin)
    response = client.post(
        url("webhooks_endpoint", org, endpoint.pk),
        {
            "url": endpoint.url,
            "description": "Renamed",
            "events": ["gate.passed"],
            "format": "json",
        },
    )
    assert response.status_code == 302
    client.post(url("webhooks_endpoint_active", org, endpoint.pk), {"active": "0"})
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events, endpoint.active) == (
        "Renamed",
        ["gate.passed"],
        False,
    )
    assert "disabled" in client.get(url("webhooks_endpoint", org, endpoint.pk)).content.decode()
    client.post(url("webhooks_endpoint_active", org, endpoint.pk), {"active": "1"})
    old = endpoint.secret
    client.post(url("webhooks_endpoint_rotate", org, endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.secret != old
    assert AuditEvent.objects.filter(action="webhooks.endpoint_enable").exists()


def test_actions_are_post_only_and_admin_only(client, org, endpoint, admin, pm) -> None:
    client.force_login(pm)
    for name in ("webhooks_endpoint_active", "webhooks_endpoint_rotate", "webhooks_endpoint_test"):
        assert client.post(url(name, org, endpoint.pk)).status_code == 403
    client.force_login(admin)
    assert client.get(url("webhooks_endpoint_test", org, endpoint.pk)).status_code == 405


def test_endpoint_list_runs_constant_queries(
    client, org, admin, django_assert_max_num_queries
) -> None:
    client.force_login(admin)
    services.endpoint_create(
        actor=admin, organization=org, url="https://a.example/", events=["gate.passed"]
    )
    with django_assert_max_num_queries(12) as few:
        client.get(url("webhooks_endpoints", org))
    for n in range(5):
        services.endpoint_create(
            actor=admin, organization=org, url=f"https://b{n}.example/", events=["gate.passed"]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("webhooks_endpoints", org))
    assert len(response.context["endpoints"]) == 6
