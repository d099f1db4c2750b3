"""ETags and If-Match on the resources a person edits (readiness.api.versioning): a stale
write answers 412 naming the current version and what changed, and saves nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings

from readiness import services
from readiness.models import ChecklistItem, Integration, UseCase
from tests.readiness.api_support import SPEC, uc_url


def _resources(use_case):
    """(detail url, a change, the field it changes) for every versioned readiness resource."""
    ws = use_case.workstreams.get(number=4)
    item = ChecklistItem.objects.filter(workstream=ws, fact="").first()
    phase = use_case.phases.get(number=2)
    later = phase.planned_end.replace(year=phase.planned_end.year + 1).isoformat()
    return {
        "use_case": (uc_url(use_case), {"team": "Claims"}, "team"),
        "workstream": (f"/api/v1/workstreams/{ws.pk}/", {"notes": "Weekly"}, "notes"),
        "item": (f"/api/v1/checklist-items/{item.pk}/", {"done": True}, "done"),
        "phase": (f"/api/v1/phases/{phase.pk}/", {"planned_end": later}, "planned_end"),
    }


RESOURCES = ["use_case", "workstream", "item", "phase"]


@pytest.mark.parametrize("name", RESOURCES)
def test_get_gives_an_etag_and_a_matching_write_moves_it_on(api, use_case, name):
    url, change, _field = _resources(use_case)[name]
    read = api.get(url)
    assert read.status_code == 200
    assert read["ETag"] == f'"{read.json()["version"]}"'
    written = api.patch(url, change, format="json", HTTP_IF_MATCH=read["ETag"])
    assert written.status_code == 200, written.json()
    assert written.json()["version"] == read.json()["version"] + 1
    assert written["ETag"] == f'"{written.json()["version"]}"'
    assert api.get(url)["ETag"] == written["ETag"]


@pytest.mark.parametrize("name", RESOURCES)
def test_a_stale_if_match_is_412_naming_the_current_version_and_nothing_is_saved(
    api, use_case, admin, name
):
    url, change, field = _resources(use_case)[name]
    seen = api.get(url)
    # Someone else changes the same resource meanwhile (the same change, made by an admin).
    from tests.readiness.api_support import client_for

    other = client_for(admin).patch(url, change, format="json")
    assert other.status_code == 200
    before = api.get(url).json()
    stale = api.patch(
        url, {**change, **({"notes": "Mine"} if name == "workstream" else {})}, format="json",
        HTTP_IF_MATCH=seen["ETag"],
    )  # fmt: skip
    assert stale.status_code == 412
    body = stale.json()
    assert body["current_version"] == other.json()["version"]
    assert body["your_version"] == seen.json()["version"]
    assert stale["ETag"] == f'"{body["current_version"]}"'
    assert field in body["changed_fields"]
    assert body["changed_by"] == admin.email
    assert "Nothing was saved" in body["detail"]
    assert api.get(url).json() == before


def test_without_if_match_a_write_goes_through(api, use_case):
    response = api.patch(uc_url(use_case), {"team": "Claims"}, format="json")
    assert response.status_code == 200


def test_if_match_star_matches_any_version(api, use_case):
    response = api.patch(uc_url(use_case), {"team": "Claims"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200


def test_a_weak_etag_is_read_as_its_version(api, use_case):
    version = api.get(uc_url(use_case)).json()["version"]
    response = api.patch(
        uc_url(use_case), {"team": "Claims"}, format="json", HTTP_IF_MATCH=f'W/"{version}"'
    )
    assert response.status_code == 200


def test_a_malformed_if_match_is_400_naming_the_header(api, use_case):
    response = api.patch(
        uc_url(use_case), {"team": "Claims"}, format="json", HTTP_IF_MATCH="yesterday"
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()
    assert UseCase.objects.get(pk=use_case.pk).team != "Claims"


@override_settings(API_REQUIRE_IF_MATCH=True)
def test_when_required_a_write_without_if_match_is_428(api, use_case):
    response = api.patch(uc_url(use_case), {"team": "Claims"}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    etag = api.get(uc_url(use_case))["ETag"]
    ok = api.patch(uc_url(use_case), {"team": "Claims"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200


def test_a_system_change_moves_the_version_too(api, use_case, pm):
    """Ticking the items moves the workstream's status (audited as system-driven): a writer
    who read the workstream before is stale."""
    ws = use_case.workstreams.get(number=4)
    seen = api.get(f"/api/v1/workstreams/{ws.pk}/")
    for item in ChecklistItem.objects.filter(workstream=ws, fact=""):
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    response = api.patch(
        f"/api/v1/workstreams/{ws.pk}/", {"notes": "x"}, format="json",
        HTTP_IF_MATCH=seen["ETag"],
    )  # fmt: skip
    assert response.status_code == 412


def test_integration_delete_with_a_stale_if_match_deletes_nothing(api, use_case, pm):
    integration = services.integration_save(actor=pm, use_case=use_case, name="CRM", kind="crm")
    url = f"/api/v1/integrations/{integration.pk}/"
    seen = api.get(url)
    assert seen["ETag"] == '"1"'
    assert api.patch(url, {"notes": "Owned by sales ops"}, format="json").status_code == 200
    assert api.delete(url, HTTP_IF_MATCH=seen["ETag"]).status_code == 412
    assert Integration.objects.filter(pk=integration.pk).exists()
    assert api.delete(url, HTTP_IF_MATCH=api.get(url)["ETag"]).status_code == 204
    assert not Integration.objects.filter(pk=integration.pk).exists()


def test_the_spec_etag_is_its_current_version(api, use_case, admin):
    url = uc_url(use_case, "spec/")
    assert api.get(url)["ETag"] == '"0"'
    first = api.post(url, SPEC, format="json", HTTP_IF_MATCH='"0"')
    assert first.status_code == 201
    assert first["ETag"] == '"1"'
    services.behavior_spec_save(
        actor=admin, use_case=use_case, **{**SPEC, "inputs": "Tickets and the account history."}
    )
    stale = api.post(
        url, {**SPEC, "acceptable_latency": "Under 1 second"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["changed_fields"] == ["inputs"]
    assert stale.json()["changed_by"] == admin.email
    assert use_case.spec_versions.count() == 2


def test_the_schema_documents_if_match_the_etag_and_412(api):
    schema = api.get("/api/schema/?format=json").json()
    writes = [
        ("/api/v1/use-cases/{id}/", "patch"),
        ("/api/v1/use-cases/{id}/spec/", "post"),
        ("/api/v1/workstreams/{id}/", "patch"),
        ("/api/v1/checklist-items/{id}/", "patch"),
        ("/api/v1/phases/{id}/", "patch"),
        ("/api/v1/integrations/{id}/", "patch"),
        ("/api/v1/integrations/{id}/", "delete"),
        ("/api/v1/governance/items/{id}/", "patch"),
        ("/api/v1/governance/policies/{use_case}/", "patch"),
        ("/api/v1/governance/template-items/{id}/", "patch"),
        ("/api/v1/governance/template-items/{id}/", "delete"),
        ("/api/v1/metrics/definitions/{id}/", "patch"),
        ("/api/v1/metrics/targets/", "post"),
        ("/api/v1/adoption/cohorts/{id}/", "patch"),
        ("/api/v1/adoption/iterations/{id}/", "patch"),
        ("/api/v1/webhooks/endpoints/{id}/", "patch"),
        ("/api/v1/webhooks/endpoints/{id}/", "put"),
        ("/api/v1/webhooks/endpoints/{id}/", "delete"),
    ]
    for path, method in writes:
        operation = schema["paths"][path][method]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "If-Match" in headers, (path, method)
        assert "412" in operation["responses"], (path, method)
        ok = operation["responses"].get("200") or operation["responses"].get("201")
        if ok is not None:
            assert "ETag" in ok.get("headers", {}), (path, method)
    read = schema["paths"]["/api/v1/use-cases/{id}/"]["get"]
    assert "ETag" in read["responses"]["200"]["headers"]
