"""The API under hostile input: every answer is a documented 4xx in JSON, never a 500.

Page sizes and offsets out of range, malformed ids, control characters in the path, the query
string and the body, unknown paths, methods, media types and oversized bodies, each across
every endpoint the schema lists (so a new endpoint is covered the day it is added).
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from readiness.api_pagination import MAX_LIMIT
from readiness.models import UseCase
from tests.readiness.api_support import client_for, create_payload

CONTROL = "Control characters"


@pytest.fixture
def schema(db):
    return APIClient().get("/api/schema/", {"format": "json"}).json()


@pytest.fixture
def admin_api(admin):
    return client_for(admin)


def _paged_lists(schema) -> list[str]:
    return [
        path
        for path, operations in schema["paths"].items()
        if "get" in operations
        and any(p["name"] == "limit" for p in operations["get"].get("parameters", []))
    ]


def _detail_gets(schema) -> list[tuple[str, str]]:
    """(path, name) of every GET whose path ends with an integer id parameter."""
    found = []
    for path, operations in schema["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            name = parameter["name"]
            if (
                parameter["in"] == "path"
                and parameter["schema"].get("type") == "integer"
                and path.endswith(f"/{{{name}}}/")
            ):
                found.append((path, name))
    return found


BAD_LIMITS = ["99999999999999999999", "-1", "abc", "0", str(MAX_LIMIT + 1), "1e3", "٣"]
BAD_OFFSETS = ["99999999999999999999", "-1", "abc", "1.5"]


def _required_ids(schema, path) -> dict[str, int]:
    """A list's required query parameters (ids, e.g. the roll-ups' ``use_case``), given as 1."""
    return {
        p["name"]: 1
        for p in schema["paths"][path]["get"].get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


def test_every_paginated_list_bounds_its_page_size(schema, admin_api, use_case):
    paths = _paged_lists(schema)
    assert len(paths) >= 19  # the issue counted 19 lists that answered 500
    for path in paths:
        url = path.replace("/{id}/", "/1/")
        required = _required_ids(schema, path)
        for value in BAD_LIMITS:
            response = admin_api.get(url, {**required, "limit": value})
            assert response.status_code == 400, (path, value, response.content)
            assert set(response.json()) == {"limit"}, (path, value)
        for value in BAD_OFFSETS:
            response = admin_api.get(url, {**required, "offset": value})
            assert response.status_code == 400, (path, value, response.content)
            assert set(response.json()) == {"offset"}, (path, value)
        response = admin_api.get(url, {**required, "limit": MAX_LIMIT, "offset": 2**31 - 1})
        assert response.status_code in (200, 404), (path, response.content)


def test_the_schema_states_the_page_size_bounds(schema):
    for path in _paged_lists(schema):
        limit = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == MAX_LIMIT, path
        assert limit["schema"]["minimum"] == 1, path


def test_a_full_page_is_the_maximum(admin_api, use_case):
    response = admin_api.get("/api/v1/checklist-items/", {"limit": MAX_LIMIT})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_LIMIT


@pytest.mark.parametrize("bad", ["99999999999999999999", "abc", "0", "-1", "%00", "1%0b"])
def test_malformed_ids_in_every_detail_path_answer_400_naming_id(schema, admin_api, bad):
    paths = _detail_gets(schema)
    assert len(paths) >= 20
    for path, name in paths:
        url = path.replace(f"{{{name}}}", bad)
        response = admin_api.get(url)
        assert response.status_code == 400, (url, response.content)
        body = response.json()
        assert name in body or "path" in body, (url, body)


def test_an_id_in_range_that_does_not_exist_is_404(admin_api, db):
    response = admin_api.get(f"/api/v1/use-cases/{2**63 - 1}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No UseCase matches the given query."}


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x1f"])
def test_control_characters_in_query_strings_are_refused_by_name(admin_api, use_case, char):
    response = admin_api.get("/api/v1/use-cases/", {"q": f"claims{char}", "team": "ok"})
    assert response.status_code == 400
    assert set(response.json()) == {"q"}
    assert CONTROL in response.json()["q"][0]


def test_tab_and_newline_in_query_strings_pass(admin_api, use_case):
    assert admin_api.get("/api/v1/use-cases/", {"q": "a\tb\nc"}).status_code == 200


def test_control_characters_in_the_path_are_refused(admin_api, db):
    response = admin_api.get("/api/v1/use-cases%00/")
    assert response.status_code == 400
    assert set(response.json()) == {"path"}


def test_pages_refuse_control_characters_in_query_strings_with_the_400_page(client, pm, org):
    client.force_login(pm)
    response = client.get(f"/o/{org.slug}/use-cases/", {"q": "a\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_nul_in_an_invitation_token_is_400_not_500(client, db):
    assert client.get("/invitations/abc%00def/").status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Claims\x0bintake"), ("workflow", "Read\x00claims"), ("team", "\x07")],
)
def test_control_characters_in_a_json_body_are_refused_by_field(api, org, field, value):
    response = api.post("/api/v1/use-cases/", create_payload(org, **{field: value}), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not UseCase.objects.filter(organization=org).exists()


def test_nested_and_free_form_json_names_the_dotted_path(api, use_case):
    body = {"inputs": "ok", "extra": {"deep": ["fine", "bad\x00"]}}
    response = api.post(f"/api/v1/use-cases/{use_case.pk}/spec/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"extra.deep.1"}


def test_control_characters_in_a_form_body_are_refused(api, use_case):
    response = api.post(
        f"/api/v1/use-cases/{use_case.pk}/spec/", {"inputs": "a\x00b"}, format="multipart"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"inputs"}


def test_multiline_text_passes(api, org):
    payload = create_payload(org, workflow="Line one.\r\nLine two.\tTabbed.")
    assert api.post("/api/v1/use-cases/", payload, format="json").status_code == 201


def test_unknown_api_paths_answer_json_404(admin_api, db):
    response = admin_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_wrong_method_answers_json_405(admin_api, db):
    response = admin_api.delete("/api/v1/use-cases/")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_an_unservable_accept_answers_json_406(admin_api, db):
    response = admin_api.get("/api/v1/use-cases/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert "detail" in response.json()


def test_an_unknown_media_type_answers_json_415(api, org):
    response = api.post("/api/v1/use-cases/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert "detail" in response.json()


def test_malformed_json_answers_json_400(api, org):
    response = api.post("/api/v1/use-cases/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_answers_json_413(api, org):
    payload = create_payload(org, workflow="x" * 4096)
    response = api.post("/api/v1/use-cases/", payload, format="json")
    assert response.status_code == 413
    assert "larger" in response.json()["detail"]


def test_a_missing_csrf_token_answers_json_403(pm, org):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(pm)
    response = client.post("/api/v1/use-cases/", create_payload(org), format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_csrf_failure_view_answers_json_under_api_and_html_elsewhere(rf, db):
    from ops.views import csrf_failure

    api = csrf_failure(rf.post("/api/v1/use-cases/"), reason="CSRF cookie not set.")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/json"
    page = csrf_failure(rf.post("/accounts/login/"), reason="CSRF cookie not set.")
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("bad", ["0.5", "null", "-1", "0", "99999999999999999999", "1e3"])
def test_id_filters_refuse_what_is_not_an_id(admin_api, use_case, bad):
    for url in (
        "/api/v1/workstreams/",
        "/api/v1/phases/",
        "/api/v1/integrations/",
        "/api/v1/governance/items/",
        "/api/v1/metrics/targets/",
    ):
        response = admin_api.get(url, {"use_case": bad})
        assert response.status_code == 400, (url, bad, response.content)
        assert set(response.json()) == {"use_case"}, url


def test_id_filters_take_ids(admin_api, use_case):
    for url in ("/api/v1/workstreams/", "/api/v1/integrations/", "/api/v1/metrics/targets/"):
        assert admin_api.get(url, {"use_case": use_case.pk}).status_code == 200, url


@pytest.mark.parametrize("value", [0, 1.5, True, ["x"], {"a": "b"}])
def test_text_fields_take_text_only(api, org, value):
    response = api.post("/api/v1/use-cases/", create_payload(org, team=value), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"team"}


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = set(operation["responses"])
            assert {"400", "403", "406"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)


def test_request_text_documents_the_refused_characters(schema):
    from readiness.text import NO_CONTROL_CHARACTERS_PATTERN

    create = schema["components"]["schemas"]["UseCaseCreateRequest"]["properties"]
    assert create["name"]["pattern"] == NO_CONTROL_CHARACTERS_PATTERN
    listing = schema["paths"]["/api/v1/use-cases/"]["get"]["parameters"]
    q = next(p for p in listing if p["name"] == "q")
    assert q["schema"]["pattern"] == NO_CONTROL_CHARACTERS_PATTERN


@pytest.mark.parametrize(
    ("value", "status"), [("true", 200), ("0", 200), ("null", 400), ("x", 400)]
)
def test_boolean_filters_take_booleans(admin_api, use_case, value, status):
    response = admin_api.get("/api/v1/checklist-items/", {"done": value})
    assert response.status_code == status
    if status == 400:
        assert set(response.json()) == {"done"}
