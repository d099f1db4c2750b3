"""``GET /api/v1/audit/export/``: the audit trail through the API (org admins)."""

import csv
import io
import json

import pytest

from readiness import services
from readiness.audit.verify import verify_export
from tests.conftest import ADMIN_ONLY, roles_except
from tests.readiness.api_support import client_for

URL = "/api/v1/audit/export/"


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_json_export_with_checkpoint(org, admin, use_case):
    services.audit_checkpoint_create(organization=org)
    response = client_for(admin).get(URL, {"organization": org.slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(body(response))
    assert data["checkpoint"]["sequence"] == data["records"][-1]["sequence"]
    assert verify_export(data).intact


def test_csv_export(org, admin, use_case):
    response = client_for(admin).get(URL, {"organization": org.slug, "as": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(body(response).removeprefix("\ufeff"))))
    assert rows[0][0] == "Sequence"
    assert ["none yet", str(org.pk)] in rows  # no checkpoint yet, and it says so


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_only_org_admins_export(org, user_in_role):
    response = client_for(user_in_role).get(URL, {"organization": org.slug})
    assert response.status_code == 403
    assert "Only org admins" in response.json()["detail"]


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_export(org, user_in_role):
    assert client_for(user_in_role).get(URL, {"organization": org.slug}).status_code == 200


def test_another_organization_is_not_found(org, admin, other_org):
    response = client_for(admin).get(URL, {"organization": other_org[0].slug})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ({}, "organization"),
        ({"since": "2026-13-01"}, "since"),
        ({"until": "tomorrow"}, "until"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"as": "xlsx"}, "as"),
    ],
)
def test_bad_queries_answer_400_by_field(org, admin, query, field):
    params = {"organization": org.slug, **query} if query else {}
    response = client_for(admin).get(URL, params, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_anonymous_is_refused(client, org):
    assert client.get(URL, {"organization": org.slug}).status_code == 403
