"""The OpenAPI schema and the Swagger UI: truthful, warning-free and served without any CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

API_PATHS = {
    "/api/v1/organizations/",
    "/api/v1/organizations/{slug}/",
    "/api/v1/use-cases/",
    "/api/v1/use-cases/{id}/",
    "/api/v1/use-cases/{id}/transition/",
    "/api/v1/use-cases/{id}/gate/",
    "/api/v1/use-cases/{id}/spec/",
    "/api/v1/workstreams/",
    "/api/v1/workstreams/{id}/",
    "/api/v1/checklist-items/",
    "/api/v1/checklist-items/{id}/",
    "/api/v1/phases/",
    "/api/v1/phases/{id}/",
}


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _ref(response):
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_schema_is_openapi_3_with_every_api_path(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Readiness API"
    assert set(schema["paths"]) >= API_PATHS


def test_schema_yaml_is_served_by_default(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/use-cases/{id}/transition/" in response.content


def test_schema_declares_the_methods_that_exist(schema):
    use_case = schema["paths"]["/api/v1/use-cases/{id}/"]
    assert set(use_case) - {"parameters"} == {"get", "patch"}  # no delete, no put
    assert set(schema["paths"]["/api/v1/use-cases/"]) == {"get", "post"}
    for path in (
        "/api/v1/workstreams/{id}/",
        "/api/v1/checklist-items/{id}/",
        "/api/v1/phases/{id}/",
    ):
        assert set(schema["paths"][path]) == {"get", "patch"}


def test_transition_409_is_a_list_of_blockers(schema):
    post = schema["paths"]["/api/v1/use-cases/{id}/transition/"]["post"]
    assert set(post["responses"]) == {"200", "400", "403", "404", "406", "409", "413", "414", "415"}
    components = schema["components"]["schemas"]
    refused = components[_ref(post["responses"]["409"])]
    assert refused["properties"]["blockers"]["items"]["$ref"].endswith("/Blocker")
    assert set(components["Blocker"]["properties"]) == {
        "code",
        "message",
        "source",
        "url",
        "detail",
    }


def test_errors_are_declared_on_writes(schema):
    create = schema["paths"]["/api/v1/use-cases/"]["post"]
    assert set(create["responses"]) == {"201", "400", "403", "406", "413", "414", "415"}
    validation = schema["components"]["schemas"][_ref(create["responses"]["400"])]
    assert {"type": "array", "items": {}} in validation["additionalProperties"]["anyOf"]
    for path in (
        "/api/v1/workstreams/{id}/",
        "/api/v1/checklist-items/{id}/",
        "/api/v1/phases/{id}/",
    ):
        assert {"200", "400", "403", "404"} <= set(schema["paths"][path]["patch"]["responses"])


def test_create_documents_organization_and_owner_by_email(schema):
    create = schema["paths"]["/api/v1/use-cases/"]["post"]
    body = schema["components"]["schemas"][
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert {"organization", "name", "start_date"} <= set(body["required"])
    assert body["properties"]["owner"]["format"] == "email"
    assert body["properties"]["repetition"]["maximum"] == 5


def test_status_enums_are_named_after_their_choices(schema):
    components = schema["components"]["schemas"]
    assert "pilot" in components["UseCaseStatusEnum"]["enum"]
    assert "not_started" in components["WorkstreamStatusEnum"]["enum"]


def test_schema_generates_and_validates_without_warnings(db, tmp_path):
    """Same as `manage.py spectacular --validate --fail-on-warn`: any warning fails."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi:")


def test_swagger_ui_is_served_from_local_static_files(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    # The init script comes from the view itself (the split view: no inline script for CSP).
    assert "/api/docs/?script=" in assets
    for asset in assets:
        assert not re.match(r"(https?:)?//", asset), asset
        if asset == "/api/docs/?script=":
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not vendored"
    assert not re.search(r"https?://[^\"']*\.(js|css)\b", html)


def test_the_request_line_limit_is_documented_where_gunicorn_enforces_it(schema):
    """gunicorn answers 414 (HTML) for a request line over its limit before the app sees it:
    every operation says so, with the limit config/gunicorn.py sets."""
    import runpy

    limit = runpy.run_path("config/gunicorn.py")["limit_request_line"]
    for operations in schema["paths"].values():
        for operation in operations.values():
            answer = operation["responses"]["414"]
            assert f"{limit:,}" in answer["description"]
            assert "text/html" in answer["content"]
