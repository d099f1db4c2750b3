"""The governance API for checklists, items, evidence and sign-offs: roles for each action,
other tenants 404, conflicts 409, uploads, and the gate through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance import services
from governance.models import Evidence, GovernanceItem, SignOff
from readiness import services as rservices
from readiness.models import ChecklistItem, Role
from tests.factories import add_member, make_use_case
from tests.governance.conftest import approve_phase, register_model, submit

API = "/api/v1/governance"


@pytest.fixture
def api():
    return APIClient()


def test_sign_off_roles(api, org, item, pm, role_member):
    role, user = role_member
    submit(item, pm)
    api.force_authenticate(user)
    r = api.post(
        f"{API}/items/{item.pk}/sign-off/", {"decision": "approved", "comment": "ok"}, format="json"
    )
    assert r.status_code == (201 if role == Role.GOVERNANCE_REVIEWER else 403)
    if r.status_code == 201:
        assert r.data["evidence"][0]["sha256"]


def test_evidence_roles_and_multipart(api, org, item, role_member):
    role, user = role_member
    api.force_authenticate(user)
    upload = SimpleUploadedFile("minutes.txt", b"Data owner confirmed: internal.")
    r = api.post(
        f"{API}/items/{item.pk}/evidence/", {"kind": "file", "file": upload}, format="multipart"
    )
    allowed = role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER)
    assert r.status_code == (201 if allowed else 403)
    if allowed:
        assert r.data["filename"] == "minutes.txt" and r.data["download_url"].endswith("/download/")
        assert len(r.data["sha256"]) == 64


def test_evidence_bad_input(api, item, pm, settings):
    settings.GOVERNANCE_EVIDENCE_MAX_BYTES = 10
    api.force_authenticate(pm)
    r = api.post(
        f"{API}/items/{item.pk}/evidence/",
        {"kind": "file", "file": SimpleUploadedFile("a.txt", b"x" * 50)},
        format="multipart",
    )
    assert r.status_code == 400 and "file" in r.data
    r = api.post(
        f"{API}/items/{item.pk}/evidence/",
        {"kind": "link", "url": "javascript:alert(1)"},
        format="json",
    )
    assert r.status_code == 400 and "url" in r.data
    assert not Evidence.objects.exists()


def test_conflict_is_409(api, item, pm, reviewer, reviewer2):
    submit(item, pm)
    services.item_sign_off(actor=reviewer2, item=item, decision="approved", comment="first")
    api.force_authenticate(reviewer)
    r = api.post(
        f"{API}/items/{item.pk}/sign-off/",
        {"decision": "rejected", "comment": "late"},
        format="json",
    )
    assert r.status_code == 409 and r.data["blockers"] == []


def test_own_evidence_is_403(api, org, admin, item, reviewer):
    services.governance_settings_update(actor=admin, organization=org, admins_may_sign_off=True)
    submit(item, admin)
    api.force_authenticate(admin)
    r = api.post(
        f"{API}/items/{item.pk}/sign-off/",
        {"decision": "approved", "comment": "mine"},
        format="json",
    )
    assert r.status_code == 403


def test_other_org_reviewer_can_neither_see_nor_sign(api, org, item, pm, other_org):
    other, _, _ = other_org
    stranger = add_member(other, Role.GOVERNANCE_REVIEWER)
    evidence = submit(item, pm)
    api.force_authenticate(stranger)
    visible = {row["id"] for row in api.get(f"{API}/items/", {"page_size": 100}).data["results"]}
    assert not visible & set(
        GovernanceItem.objects.filter(checklist__use_case__organization=org).values_list(
            "pk", flat=True
        )
    )
    for path in (
        f"{API}/items/{item.pk}/",
        f"{API}/evidence/{evidence.pk}/",
        f"{API}/checklists/{item.checklist_id}/",
    ):
        assert api.get(path).status_code == 404, path
    r = api.post(
        f"{API}/items/{item.pk}/sign-off/", {"decision": "approved", "comment": "x"}, format="json"
    )
    assert r.status_code == 404
    assert not SignOff.objects.exists()


def test_the_gate_holds_through_the_api(api, org, use_case, pm, reviewer, checklist):
    for c in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        rservices.checklist_item_set_done(actor=pm, item=c, done=True)
    register_model(org, reviewer, use_case, pm)
    api.force_authenticate(pm)
    r = api.post(
        f"/api/v1/use-cases/{use_case.pk}/transition/", {"expected_phase": 1}, format="json"
    )
    assert r.status_code == 409
    assert {b["source"] for b in r.data["blockers"]} == {"governance"}
    assert len(r.data["blockers"]) == 4 and all(b["url"] for b in r.data["blockers"])
    approve_phase(use_case, 1, pm, reviewer)
    r = api.post(
        f"/api/v1/use-cases/{use_case.pk}/transition/", {"expected_phase": 1}, format="json"
    )
    assert r.status_code == 200 and r.data["current_phase"] == 2


def test_item_list_constant_queries(api, org, pm, reviewer):
    api.force_authenticate(reviewer)
    services.checklist_ensure(use_case=make_use_case(org, pm), actor=pm)
    with CaptureQueriesContext(connection) as small:
        assert api.get(f"{API}/items/").status_code == 200
    for _ in range(3):
        services.checklist_ensure(use_case=make_use_case(org, pm), actor=pm)
    with CaptureQueriesContext(connection) as large:
        assert api.get(f"{API}/items/").data["count"] == 48
    assert len(large.captured_queries) == len(small.captured_queries)
    assert GovernanceItem.objects.count() == 48
