"""The governance API for the registry, incidents and policies."""

import pytest
from rest_framework.test import APIClient

API = "/api/v1/governance"


@pytest.fixture
def api():
    return APIClient()


def test_registry_and_incidents(api, org, reviewer, pm, viewer, use_case):
    api.force_authenticate(pm)
    body = {
        "organization": org.slug,
        "provider": "Acme",
        "model_name": "m",
        "data_classifications": ["internal"],
    }
    assert api.post(f"{API}/registry/", body, format="json").status_code == 403
    api.force_authenticate(reviewer)
    r = api.post(f"{API}/registry/", body, format="json")
    assert r.status_code == 201 and r.data["expired"] is False
    assert (
        api.post(
            f"{API}/registry/", {**body, "data_classifications": ["secret"]}, format="json"
        ).status_code
        == 400
    )
    api.force_authenticate(viewer)
    assert (
        api.post(
            f"{API}/incidents/",
            {"use_case": use_case.pk, "title": "t", "description": "d", "severity": "low"},
            format="json",
        ).status_code
        == 403
    )
    api.force_authenticate(pm)
    r = api.post(
        f"{API}/incidents/",
        {"use_case": use_case.pk, "title": "t", "description": "d", "severity": "high"},
        format="json",
    )
    assert r.status_code == 201
    inc = r.data["id"]
    assert (
        api.post(
            f"{API}/incidents/{inc}/updates/", {"note": "done", "status": "resolved"}, format="json"
        ).status_code
        == 201
    )
    assert (
        api.post(
            f"{API}/incidents/{inc}/review/", {"post_incident_review": "x"}, format="json"
        ).status_code
        == 403
    )
    api.force_authenticate(reviewer)
    r = api.post(
        f"{API}/incidents/{inc}/review/", {"post_incident_review": "Cause, actions."}, format="json"
    )
    assert r.status_code == 200 and r.data["status"] == "reviewed"


def test_policy_api(api, use_case, pm, viewer):
    api.force_authenticate(viewer)
    assert api.get(f"{API}/policies/{use_case.pk}/").status_code == 200
    assert (
        api.patch(
            f"{API}/policies/{use_case.pk}/", {"retention_days": 30}, format="json"
        ).status_code
        == 403
    )
    api.force_authenticate(pm)
    r = api.patch(
        f"{API}/policies/{use_case.pk}/",
        {"retention_days": 30, "data_classification": "confidential"},
        format="json",
    )
    assert r.status_code == 200 and r.data["retention_days"] == 30
    assert (
        api.patch(
            f"{API}/policies/{use_case.pk}/", {"review_below_confidence": "2"}, format="json"
        ).status_code
        == 400
    )
