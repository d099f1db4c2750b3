"""The product's own error pages: 403 says which role may, 404 and 400 lead back, 500 and 503
render with no database, and under /api/ every error is JSON; a database that does not answer
gets 503 with Retry-After on every API request and every page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import Client

from readiness.models import Role
from tests.factories import add_member, make_org
from tests.ops.conftest import unreachable_database


@pytest.fixture
def prod(settings):
    """Error handlers are Django's production path: DEBUG off, exceptions answered, not raised."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_403_page_says_which_role_may_and_links_only_to_what_the_role_may_open(
    client, org, use_case
):
    viewer = add_member(org, Role.VIEWER)
    client.force_login(viewer)
    response = client.get(f"/o/{org.slug}/use-cases/{use_case.pk}/edit/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your role does not allow this" in html
    assert "Only program managers and org admins can change this." in html
    assert "Your role here is viewer." in html
    assert f'href="/o/{org.slug}/use-cases/"' in html
    assert f'href="/o/{org.slug}/members/"' in html
    # No link to what a viewer may not do (settings, the edit form itself).
    assert "/edit/" not in html.split("<main", 1)[1]
    assert "Workstream templates" not in html
    assert 'class="topbar"' in html  # the product's layout


def test_404_page_in_the_product_layout(client, org, admin):
    client.force_login(admin)
    response = client.get(f"/o/{org.slug}/use-cases/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert f'href="/o/{org.slug}/use-cases/"' in html
    assert 'class="topbar"' in html


def test_404_page_for_an_anonymous_visitor_offers_sign_in(prod, db):
    response = prod.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/accounts/login/"' in html


def test_api_404_is_json(prod, org, admin):
    prod.force_login(admin)
    missing = prod.get("/api/v1/no-such-endpoint/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}


def test_500_page_renders_without_the_database(database_down):
    """A bug (not the database) gives the 500 page; rendering it needs no query (the database
    here does not answer, so any query would raise)."""
    from ops import views

    try:
        raise ValueError("boom")
    except ValueError:
        response = views.server_error(_request("/o/acme/use-cases/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'class="topbar"' in html
    assert "Sign in" not in html  # it does not know who is signed in, so it does not guess


def _request(path: str):  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.request_id = "req-test-1"
    return request


def test_a_page_answers_503_with_retry_after_when_the_database_is_down(prod, org, admin):
    prod.force_login(admin)
    with unreachable_database():
        response = prod.get(f"/o/{org.slug}/use-cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Readiness is briefly unavailable" in html
    assert response["X-Request-ID"] in html  # the reference the user can quote
    assert 'class="topbar"' in html


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/use-cases/"),
        ("get", "/api/v1/organizations/"),
        ("post", "/api/v1/use-cases/"),
        ("get", "/api/v1/governance/incidents/"),
        ("get", "/api/schema/"),
    ],
)
def test_signed_in_api_requests_answer_json_503_with_retry_after_when_the_database_is_down(
    prod, org, admin, method, path
):
    prod.force_login(admin)
    with unreachable_database():
        response = getattr(prod, method)(path, {}, content_type="application/json")
    _assert_json_503(response)


def test_token_ingestion_answers_json_503_with_retry_after_when_the_database_is_down(prod, db):
    with unreachable_database():
        response = prod.post(
            "/api/v1/metrics/samples/",
            "[]",
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer rdy_0123456789abcdef0123456789abcdef",
        )
    _assert_json_503(response)


def _assert_json_503(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "briefly unavailable" in body["detail"]
    assert body["request_id"] == response["X-Request-ID"]


def test_an_api_bug_is_json_500_naming_the_request_id(prod, db, monkeypatch):
    from readiness.api import organizations

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError

    monkeypatch.setattr(organizations.OrganizationViewSet, "list", boom)
    _org, user = make_org("Bug Org")
    prod.force_login(user)
    response = prod.get("/api/v1/organizations/")
    assert response.status_code == 500
    assert response.json()["request_id"] == response["X-Request-ID"]
    assert "Retry-After" not in response


def test_a_connection_lost_in_the_middle_of_a_page_is_a_503_too(prod, org, admin, monkeypatch):
    """The database went away after the request started (not at connect): same answer."""
    from readiness.views import use_cases

    def lost(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(use_cases.selectors, "use_case_list", lost)
    prod.force_login(admin)
    response = prod.get(f"/o/{org.slug}/use-cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Readiness is briefly unavailable" in response.content.decode()


def test_permission_denied_without_a_message_still_says_what_to_do(prod, db):
    from ops import views

    response = views.permission_denied(_request("/orgs/new/"), PermissionDenied())
    assert response.status_code == 403
    assert "does not allow this page" in response.content.decode()
