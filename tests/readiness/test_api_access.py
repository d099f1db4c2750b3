"""The API's access rules: authentication, the caller's organizations, the role matrix of
every write, and other tenants' objects answering 404."""

import pytest
from rest_framework.test import APIClient

from readiness.models import AuditEvent, Phase, UseCase
from tests.conftest import WRITE_ROLES
from tests.factories import UserFactory
from tests.readiness.api_support import (
    client_for,
    create_payload,
    tick_phase,
    uc_url,
    write_requests,
)

# --- Authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/v1/organizations/"),
        ("get", "/api/v1/use-cases/"),
        ("post", "/api/v1/use-cases/"),
        ("get", "/api/v1/workstreams/"),
        ("get", "/api/v1/checklist-items/"),
        ("get", "/api/v1/phases/"),
    ],
)
def test_anonymous_requests_get_403(db, method, url):
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_anonymous_cannot_read_a_use_case(use_case):
    assert APIClient().get(uc_url(use_case)).status_code == 403


def test_session_writes_need_the_csrf_token(org, pm):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(pm)
    response = client.post("/api/v1/use-cases/", create_payload(org), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not UseCase.objects.exists()


# --- Organizations -----------------------------------------------------------------------------


def test_organizations_are_mine_with_my_role(api, org, other_org):
    response = api.get("/api/v1/organizations/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"slug": org.slug, "name": org.name, "role": "program_manager", "can_edit_use_cases": True}
    ]
    detail = api.get(f"/api/v1/organizations/{org.slug}/")
    assert detail.status_code == 200
    assert detail.json()["role"] == "program_manager"


def test_another_organization_is_404(api, other_org):
    other, _, _ = other_org
    assert api.get(f"/api/v1/organizations/{other.slug}/").status_code == 404


# --- Every write: role matrix; other tenants: 404 ----------------------------------------------


@pytest.mark.parametrize("write", ["use_case", "transition", "spec", "workstream", "item", "phase"])
def test_every_write_role_matrix(use_case, pm, role_member, write):
    role, user = role_member
    tick_phase(use_case, pm, 1)  # so that the transition can pass
    method, url, body, ok = write_requests(use_case)[write]
    events = AuditEvent.objects.count()
    response = getattr(client_for(user), method)(url, body, format="json")
    if role in WRITE_ROLES:
        assert response.status_code == ok, response.json()
        assert AuditEvent.objects.count() > events
    else:
        assert response.status_code == 403
        assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


@pytest.mark.parametrize("write", ["use_case", "transition", "spec", "workstream", "item", "phase"])
def test_another_organizations_objects_are_404(api, other_org, write):
    _, _, theirs = other_org
    method, url, body, _ = write_requests(theirs)[write]
    events = AuditEvent.objects.count()
    assert api.get(url).status_code in (404, 405)  # transition has no GET
    response = getattr(api, method)(url, body, format="json")
    assert response.status_code == 404
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("suffix", ["", "gate/", "spec/"])
def test_another_organizations_use_case_reads_are_404(api, other_org, suffix):
    _, _, theirs = other_org
    assert api.get(uc_url(theirs, suffix)).status_code == 404


def test_another_organizations_objects_are_absent_from_lists(api, use_case, other_org):
    _, _, theirs = other_org
    for url, key in [
        ("/api/v1/use-cases/", "id"),
        ("/api/v1/workstreams/?limit=500", "use_case"),
        ("/api/v1/phases/?limit=500", "use_case"),
        ("/api/v1/checklist-items/?limit=500", "use_case"),
    ]:
        rows = api.get(url).json()["results"]
        assert rows
        assert theirs.pk not in {r[key] for r in rows}, url


def test_missing_ids_are_404(api, db):
    assert api.get("/api/v1/use-cases/999999/").status_code == 404
    assert api.patch("/api/v1/workstreams/999999/", {}, format="json").status_code == 404
    assert api.get(f"/api/v1/use-cases/{2**63 - 1}/").status_code == 404


def test_a_member_of_no_organization_sees_nothing(use_case):
    loner = UserFactory()
    client = client_for(loner)
    assert client.get("/api/v1/organizations/").json()["count"] == 0
    assert client.get("/api/v1/use-cases/").json()["count"] == 0
    assert client.get(uc_url(use_case)).status_code == 404
    assert client.get(f"/api/v1/phases/{Phase.objects.first().pk}/").status_code == 404
