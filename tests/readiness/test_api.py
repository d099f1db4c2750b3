"""The REST API under /api/v1/: reads scoped to the user's organizations, writes through services."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from readiness import defaults, services
from readiness.models import (
    AuditEvent,
    BehaviorSpecVersion,
    ChecklistItem,
    Phase,
    Role,
    UseCase,
    UseCaseStatus,
    Workstream,
)
from tests.conftest import WRITE_ROLES
from tests.factories import UserFactory, add_member, make_org, make_use_case

READ_ONLY_ROLES = [r.value for r in Role if r not in WRITE_ROLES]
SPEC = {
    "inputs": "The ticket text and the customer's plan.",
    "output_format": "A queue name and a draft reply under 120 words.",
    "uncertainty_behavior": "Leave the queue empty and flag for a human.",
    "human_approval": "Every reply before it is sent.",
    "source_systems": "Zendesk, the CRM.",
    "acceptable_latency": "Under 5 seconds",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(pm):
    return client_for(pm)


def create_payload(org, **overrides):
    data = {
        "organization": org.slug,
        "name": "Claims intake",
        "workflow": "Read incoming claims and fill in the intake form.",
        "team": "Claims",
        "target_outcome": "Halve the time from claim to first decision",
        "risk_tier": "high",
        "start_date": "2026-03-02",
        "repetition": 5,
        "clear_handoffs": 4,
        "cost_of_delay": 5,
        "knowledge_lookup": 3,
        "reviewability": 4,
        "politically_sensitive": False,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def tick_phase(use_case, actor, number):
    for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=number):
        services.checklist_item_set_done(actor=actor, item=item, done=True)


def uc_url(use_case, suffix=""):
    return f"/api/v1/use-cases/{use_case.pk}/{suffix}"


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


# --- Use cases: list ---------------------------------------------------------------------------


def test_list_holds_only_my_organizations_use_cases(api, use_case, other_org):
    response = api.get("/api/v1/use-cases/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == use_case.pk
    assert row["organization"] == use_case.organization.slug
    assert row["next_gate"] == {
        "key": "phase:2",
        "label": "Phase 2: Integration and controlled rollout",
        "from_phase": 1,
    }
    assert row["web_url"] == use_case.get_absolute_url()


@pytest.fixture
def portfolio(org, pm):
    """Three use cases that differ in every filterable way."""
    a = make_use_case(org, pm, name="Invoice matching", team="Finance", risk_tier="high")
    b = make_use_case(org, pm, name="Claims triage", team="Claims", risk_tier="low", repetition=1)
    c = make_use_case(org, pm, name="Contract review", team="Legal", risk_tier="high")
    UseCase.objects.filter(pk=c.pk).update(current_phase=2, status=UseCaseStatus.IN_TRANSITION)
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("risk_tier=high", {"a", "c"}),
        ("status=in_transition", {"c"}),
        ("status=pilot", {"a", "b"}),
        ("current_phase=2", {"c"}),
        ("team=claims", {"b"}),
        ("q=invoice", {"a"}),
        ("q=contract legal", {"c"}),
        ("q=nothing-like-this", set()),
        ("risk_tier=high&current_phase=1", {"a"}),
    ],
)
def test_list_filters(api, portfolio, query, expected):
    response = api.get(f"/api/v1/use-cases/?{query}")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {portfolio[k].pk for k in expected}


def test_list_filters_by_organization(org, pm, use_case):
    second, second_admin = make_org("Initech")
    add_member(second, Role.VIEWER, user=pm)
    theirs = make_use_case(second, second_admin, name="Initech helper")
    client = client_for(pm)
    everything = client.get("/api/v1/use-cases/").json()["results"]
    assert {r["id"] for r in everything} == {use_case.pk, theirs.pk}
    only = client.get(f"/api/v1/use-cases/?organization={second.slug}").json()["results"]
    assert [r["id"] for r in only] == [theirs.pk]


def test_list_ordering(api, portfolio):
    names = [r["name"] for r in api.get("/api/v1/use-cases/?ordering=name").json()["results"]]
    assert names == ["Claims triage", "Contract review", "Invoice matching"]
    default = [r["name"] for r in api.get("/api/v1/use-cases/").json()["results"]]
    assert default[-1] == "Claims triage"  # lowest priority last


def test_invalid_filter_value_is_400(api, use_case):
    response = api.get("/api/v1/use-cases/?status=launched")
    assert response.status_code == 400
    assert "status" in response.json()


def _count_list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_use_case_list_runs_a_constant_number_of_queries(org, pm):
    client = client_for(pm)
    for _ in range(5):
        make_use_case(org, pm, owner=pm)
    few, count = _count_list_queries(client, "/api/v1/use-cases/")
    assert count == 5
    for _ in range(45):
        make_use_case(org, pm, owner=pm)
    many, count = _count_list_queries(client, "/api/v1/use-cases/")
    assert count == 50
    assert many == few


@pytest.mark.parametrize(
    "url", ["/api/v1/workstreams/", "/api/v1/checklist-items/", "/api/v1/phases/"]
)
def test_other_lists_run_a_constant_number_of_queries(org, pm, url):
    client = client_for(pm)
    first = make_use_case(org, pm)
    Workstream.objects.filter(use_case=first).update(owner=pm)
    tick_phase(first, pm, 1)
    few, _ = _count_list_queries(client, url)
    for _ in range(3):
        uc = make_use_case(org, pm)
        Workstream.objects.filter(use_case=uc).update(owner=pm)
        tick_phase(uc, pm, 1)
    many, _ = _count_list_queries(client, url)
    assert many == few


# --- Use cases: create -------------------------------------------------------------------------


def test_create_makes_the_use_case_with_its_plan(api, org, pm):
    response = api.post("/api/v1/use-cases/", create_payload(org, owner=pm.email), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    use_case = UseCase.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/use-cases/{use_case.pk}/"
    assert use_case.organization == org
    assert use_case.owner == pm
    assert body["owner"] == pm.email
    assert body["status"] == "pilot"
    assert body["current_phase"] == 1
    assert body["priority_score"] == use_case.priority_score > 0
    assert [w["number"] for w in body["workstreams"]] == [1, 2, 3, 4, 5, 6, 7]
    assert [p["number"] for p in body["phases"]] == [1, 2, 3]
    assert [c["text"] for c in body["phases"][0]["exit_criteria"]] == (
        defaults.PHASE_EXIT_CRITERIA[1]
    )
    assert body["current_spec"] is None
    assert body["next_gate"]["key"] == "phase:2"
    assert AuditEvent.objects.filter(use_case=use_case, action="use_case.create").count() == 1


def test_create_owner_email_is_case_insensitive(api, org, pm):
    payload = create_payload(org, owner=pm.email.upper())
    response = api.post("/api/v1/use-cases/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["owner"] == pm.email


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"repetition": 7}, "repetition"),
        ({"reviewability": 0}, "reviewability"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"start_date": "next week"}, "start_date"),
        ({"risk_tier": "extreme"}, "risk_tier"),
        ({"owner": "nobody@example.com"}, "owner"),
        ({"owner": "not an email"}, "owner"),
        ({"organization": None}, "organization"),
        ({"organization": "no-such-org"}, "organization"),
    ],
)
def test_create_bad_input_is_400_and_saves_nothing(api, org, overrides, field):
    response = api.post("/api/v1/use-cases/", create_payload(org, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not UseCase.objects.exists()
    assert not AuditEvent.objects.filter(action="use_case.create").exists()


def test_create_owner_must_be_a_member(api, org, other_org):
    _, outsider, _ = other_org
    before = UseCase.objects.count()
    response = api.post(
        "/api/v1/use-cases/", create_payload(org, owner=outsider.email), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"owner": ["Choose a member of this organization."]}
    # An unknown address gets the very same answer: the API does not reveal who exists.
    unknown = api.post(
        "/api/v1/use-cases/", create_payload(org, owner="ghost@example.com"), format="json"
    )
    assert unknown.json() == response.json()
    assert UseCase.objects.count() == before


def test_create_in_another_organization_is_refused(api, org, other_org):
    other, _, _ = other_org
    before = UseCase.objects.count()
    response = api.post("/api/v1/use-cases/", create_payload(other), format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    assert UseCase.objects.count() == before


def test_create_duplicate_name_is_400(api, org, use_case):
    payload = create_payload(org, name=use_case.name.upper())
    response = api.post("/api/v1/use-cases/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert UseCase.objects.filter(organization=org).count() == 1


def test_create_role_matrix(org, role_member):
    role, user = role_member
    response = client_for(user).post("/api/v1/use-cases/", create_payload(org), format="json")
    if role in WRITE_ROLES:
        assert response.status_code == 201
        assert UseCase.objects.filter(name="Claims intake").exists()
    else:
        assert response.status_code == 403
        assert not UseCase.objects.exists()


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_role_hears_403_even_with_a_bad_body(org, role):
    user = add_member(org, role)
    response = client_for(user).post(
        "/api/v1/use-cases/", create_payload(org, repetition=9), format="json"
    )
    assert response.status_code == 403


# --- Use cases: retrieve, patch, no delete -----------------------------------------------------


def test_retrieve_nests_workstreams_phases_spec_and_gate(api, use_case, pm):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    response = api.get(uc_url(use_case))
    assert response.status_code == 200
    body = response.json()
    first = body["workstreams"][0]
    assert first["number"] == 1
    assert first["items_total"] == ChecklistItem.objects.filter(workstream_id=first["id"]).count()
    assert first["items_done"] == 0
    assert body["phases"][0]["actual_start"] == use_case.start_date.isoformat()
    assert len(body["phases"][1]["exit_criteria"]) == 5
    assert body["current_spec"]["version"] == 1
    assert body["current_spec"]["inputs"] == SPEC["inputs"]
    assert body["current_spec"]["created_by"] == pm.email
    assert body["next_gate"]["key"] == "phase:2"


def test_patch_changes_only_what_is_sent(api, use_case, pm):
    before = use_case.priority_score
    response = api.patch(uc_url(use_case), {"team": "Support ops", "repetition": 1}, format="json")
    assert response.status_code == 200, response.json()
    use_case.refresh_from_db()
    assert use_case.team == "Support ops"
    assert use_case.repetition == 1
    assert use_case.workflow.startswith("Route inbound")  # untouched
    assert response.json()["priority_score"] == use_case.priority_score < before
    event = AuditEvent.objects.get(use_case=use_case, action="use_case.update")
    assert event.after["team"] == "Support ops"


def test_patch_owner_by_email_and_clear(api, use_case, org, pm):
    colleague = add_member(org, Role.PROGRAM_MANAGER)
    response = api.patch(uc_url(use_case), {"owner": colleague.email}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == colleague.email
    assert response.json()["owner_name"] == colleague.display_name
    response = api.patch(uc_url(use_case), {"owner": None}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"] is None
    use_case.refresh_from_db()
    assert use_case.owner is None


@pytest.mark.parametrize(
    "data,field",
    [
        ({"repetition": 7}, "repetition"),
        ({"name": ""}, "name"),
        ({"owner": "ghost@example.com"}, "owner"),
        ({"risk_tier": "extreme"}, "risk_tier"),
    ],
)
def test_patch_bad_input_is_400_and_changes_nothing(api, use_case, data, field):
    response = api.patch(uc_url(use_case), {"team": "Changed", **data}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    use_case.refresh_from_db()
    assert use_case.team == "Customer support"
    assert not AuditEvent.objects.filter(action="use_case.update").exists()


def test_patch_duplicate_name_is_400(api, org, pm, use_case):
    other = make_use_case(org, pm, name="Invoice matching")
    response = api.patch(uc_url(other), {"name": "triage ASSISTANCE"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    other.refresh_from_db()
    assert other.name == "Invoice matching"


def test_patch_cannot_move_status_or_phase(api, use_case):
    response = api.patch(uc_url(use_case), {"status": "scaled", "current_phase": 3}, format="json")
    assert response.status_code == 200
    use_case.refresh_from_db()
    assert (use_case.status, use_case.current_phase) == ("pilot", 1)


@pytest.mark.parametrize("method", ["delete", "put"])
def test_no_delete_or_put(api, use_case, method):
    response = getattr(api, method)(uc_url(use_case), {}, format="json")
    assert response.status_code == 405
    assert UseCase.objects.filter(pk=use_case.pk).exists()


# --- Transition and gate -----------------------------------------------------------------------


def test_transition_refused_then_passes_after_ticking_through_the_api(api, use_case, pm):
    response = api.post(uc_url(use_case, "transition/"), {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["target"] == "phase:2"
    assert len(body["blockers"]) == 5
    assert {b["message"] for b in body["blockers"]} == {
        f"Phase 1 exit criterion not met: {text}" for text in defaults.PHASE_EXIT_CRITERIA[1]
    }
    for blocker in body["blockers"]:
        assert set(blocker) == {"code", "message", "source", "url", "detail"}
        assert blocker["code"] == "exit_criterion_open"
        assert blocker["detail"]["phase"] == 1
    use_case.refresh_from_db()
    assert use_case.current_phase == 1

    phase_1 = use_case.phases.get(number=1)
    open_items = api.get(f"/api/v1/checklist-items/?phase={phase_1.pk}&done=false").json()
    assert {i["id"] for i in open_items["results"]} == {
        b["detail"]["item_id"] for b in body["blockers"]
    }
    for item in open_items["results"]:
        ticked = api.patch(f"/api/v1/checklist-items/{item['id']}/", {"done": True}, format="json")
        assert ticked.status_code == 200
        assert ticked.json()["done"] is True
        assert ticked.json()["done_by"] == pm.email

    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["current_phase"] == 2
    assert body["status"] == "in_transition"
    assert body["next_gate"]["key"] == "phase:3"
    assert body["phases"][0]["actual_end"] is not None
    use_case.refresh_from_db()
    assert use_case.current_phase == 2


def test_transition_with_a_stale_expected_phase_is_409(api, use_case, pm):
    tick_phase(use_case, pm, 1)
    services.phase_transition(actor=pm, use_case=use_case)
    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["blockers"] == []
    assert "already in phase 2" in response.json()["detail"]
    use_case.refresh_from_db()
    assert use_case.current_phase == 2


def test_transition_bad_expected_phase_is_400(api, use_case):
    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 9}, format="json")
    assert response.status_code == 400
    assert "expected_phase" in response.json()


def test_transition_role_matrix(use_case, pm, role_member):
    role, user = role_member
    tick_phase(use_case, pm, 1)
    response = client_for(user).post(uc_url(use_case, "transition/"), format="json")
    use_case.refresh_from_db()
    if role in WRITE_ROLES:
        assert response.status_code == 200
        assert use_case.current_phase == 2
    else:
        assert response.status_code == 403
        assert use_case.current_phase == 1


def test_gate_reports_blockers_without_transitioning(use_case, pm, viewer):
    client = client_for(viewer)  # reading the gate is open to every member
    body = client.get(uc_url(use_case, "gate/")).json()
    assert body["target"] == {
        "key": "phase:2",
        "label": "Phase 2: Integration and controlled rollout",
        "from_phase": 1,
    }
    assert body["can_transition"] is False
    assert len(body["blockers"]) == 5
    assert not AuditEvent.objects.filter(action__startswith="gate.").exists()
    tick_phase(use_case, pm, 1)
    body = client.get(uc_url(use_case, "gate/")).json()
    assert body["can_transition"] is True
    assert body["blockers"] == []
    use_case.refresh_from_db()
    assert use_case.current_phase == 1


def test_gate_after_the_plan_has_no_target(api, use_case, pm):
    for number in (1, 2, 3):
        tick_phase(use_case, pm, number)
        services.phase_transition(actor=pm, use_case=use_case)
    body = api.get(uc_url(use_case, "gate/")).json()
    assert body == {"target": None, "can_transition": False, "blockers": []}
    response = api.post(uc_url(use_case, "transition/"), format="json")
    assert response.status_code == 409
    assert "no next phase" in response.json()["detail"]


# --- Behavior spec -----------------------------------------------------------------------------


def test_spec_versions(api, use_case, pm):
    assert api.get(uc_url(use_case, "spec/")).json() == {"current": None, "versions": []}
    response = api.post(uc_url(use_case, "spec/"), SPEC, format="json")
    assert response.status_code == 201
    assert response.json()["current"]["version"] == 1

    same = api.post(uc_url(use_case, "spec/"), SPEC, format="json")
    assert same.status_code == 400
    assert same.json() == {"non_field_errors": ["Nothing changed since version 1."]}

    changed = {**SPEC, "acceptable_latency": "Under 2 seconds", "change_note": "Tighter SLA"}
    response = api.post(uc_url(use_case, "spec/"), changed, format="json")
    assert response.status_code == 201
    body = api.get(uc_url(use_case, "spec/")).json()
    assert body["current"]["acceptable_latency"] == "Under 2 seconds"
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert body["versions"][0]["change_note"] == "Tighter SLA"
    assert body["versions"][0]["created_by"] == pm.email


@pytest.mark.parametrize("missing", ["inputs", "acceptable_latency"])
def test_spec_missing_field_is_400(api, use_case, missing):
    data = {k: v for k, v in SPEC.items() if k != missing}
    response = api.post(uc_url(use_case, "spec/"), data, format="json")
    assert response.status_code == 400
    assert missing in response.json()
    assert not BehaviorSpecVersion.objects.exists()


# --- Workstreams -------------------------------------------------------------------------------


def test_workstreams_list_and_filter(api, org, pm, use_case, other_org):
    make_use_case(org, pm)
    _, _, theirs = other_org
    all_rows = api.get("/api/v1/workstreams/").json()
    assert all_rows["count"] == 14
    rows = api.get(f"/api/v1/workstreams/?use_case={use_case.pk}").json()["results"]
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert all(r["use_case"] == use_case.pk for r in rows)
    assert rows[0]["items"]
    assert api.get(f"/api/v1/workstreams/?use_case={theirs.pk}").json()["count"] == 0


def test_workstream_patch(api, org, use_case, pm):
    ws = use_case.workstreams.get(number=3)
    data = {"owner": pm.email, "status": "in_progress", "health": "amber", "due_date": "2026-05-01"}
    response = api.patch(f"/api/v1/workstreams/{ws.pk}/", data, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["owner"], body["status"], body["health"]) == (pm.email, "in_progress", "amber")
    ws.refresh_from_db()
    assert ws.owner == pm
    assert ws.due_date == dt.date(2026, 5, 1)
    assert AuditEvent.objects.filter(action="workstream.update", target_id=str(ws.pk)).exists()


@pytest.mark.parametrize(
    "data,field",
    [({"status": "finished"}, "status"), ({"due_date": "soon"}, "due_date")],
)
def test_workstream_bad_input_is_400(api, use_case, data, field):
    ws = use_case.workstreams.get(number=1)
    response = api.patch(f"/api/v1/workstreams/{ws.pk}/", {"notes": "x", **data}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    ws.refresh_from_db()
    assert ws.notes == ""


def test_workstream_owner_must_be_a_member(api, use_case, other_org):
    _, outsider, _ = other_org
    ws = use_case.workstreams.get(number=1)
    response = api.patch(f"/api/v1/workstreams/{ws.pk}/", {"owner": outsider.email}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()
    ws.refresh_from_db()
    assert ws.owner is None


# --- Checklist items ---------------------------------------------------------------------------


def test_checklist_items_filters(api, use_case):
    ws = use_case.workstreams.get(number=2)
    phase = use_case.phases.get(number=3)
    n_ws_items = ChecklistItem.objects.filter(workstream__use_case=use_case).count()
    by_use_case = api.get(f"/api/v1/checklist-items/?use_case={use_case.pk}&limit=200").json()
    assert by_use_case["count"] == n_ws_items + 15
    by_ws = api.get(f"/api/v1/checklist-items/?workstream={ws.pk}").json()["results"]
    assert by_ws and all(i["workstream"] == ws.pk and i["kind"] == "workstream_item" for i in by_ws)
    by_phase = api.get(f"/api/v1/checklist-items/?phase={phase.pk}").json()["results"]
    assert [i["text"] for i in by_phase] == defaults.PHASE_EXIT_CRITERIA[3]
    assert all(i["kind"] == "exit_criterion" and i["use_case"] == use_case.pk for i in by_phase)


def test_checklist_item_untick_and_empty_patch(api, use_case, pm):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    assert api.patch(f"/api/v1/checklist-items/{item.pk}/", {}, format="json").json()["done"]
    response = api.patch(f"/api/v1/checklist-items/{item.pk}/", {"done": False}, format="json")
    assert response.status_code == 200
    assert response.json()["done_by"] is None
    item.refresh_from_db()
    assert item.done is False


def test_exit_criteria_of_a_passed_phase_are_final(api, use_case, pm):
    tick_phase(use_case, pm, 1)
    services.phase_transition(actor=pm, use_case=use_case)
    item = ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1).first()
    response = api.patch(f"/api/v1/checklist-items/{item.pk}/", {"done": False}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    item.refresh_from_db()
    assert item.done is True


def test_checklist_item_bad_done_is_400(api, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    response = api.patch(f"/api/v1/checklist-items/{item.pk}/", {"done": "maybe"}, format="json")
    assert response.status_code == 400
    assert "done" in response.json()


# --- Phases ------------------------------------------------------------------------------------


def test_phases_list_and_patch(api, use_case):
    rows = api.get(f"/api/v1/phases/?use_case={use_case.pk}").json()["results"]
    assert [p["number"] for p in rows] == [1, 2, 3]
    assert all(len(p["exit_criteria"]) == 5 for p in rows)
    phase = use_case.phases.get(number=2)
    new_end = phase.planned_end + dt.timedelta(days=7)
    response = api.patch(
        f"/api/v1/phases/{phase.pk}/", {"planned_end": new_end.isoformat()}, format="json"
    )
    assert response.status_code == 200
    phase.refresh_from_db()
    assert phase.planned_end == new_end
    assert response.json()["planned_start"] == phase.planned_start.isoformat()


def test_phase_end_before_start_is_400(api, use_case):
    phase = use_case.phases.get(number=2)
    before = (phase.planned_start, phase.planned_end)
    day_before = (phase.planned_start - dt.timedelta(days=1)).isoformat()
    response = api.patch(f"/api/v1/phases/{phase.pk}/", {"planned_end": day_before}, format="json")
    assert response.status_code == 400
    assert "planned_end" in response.json()
    phase.refresh_from_db()
    assert (phase.planned_start, phase.planned_end) == before


# --- Every write: role matrix; other tenants: 404 ----------------------------------------------


def write_requests(use_case):
    """(method, url, body, success status) for every write on an existing use case."""
    ws = use_case.workstreams.get(number=1)
    item = ChecklistItem.objects.filter(workstream=ws).first()
    phase = use_case.phases.get(number=2)
    later = (phase.planned_end + dt.timedelta(days=3)).isoformat()
    return {
        "use_case": ("patch", uc_url(use_case), {"team": "Changed"}, 200),
        "transition": ("post", uc_url(use_case, "transition/"), {}, 200),
        "spec": ("post", uc_url(use_case, "spec/"), SPEC, 201),
        "workstream": ("patch", f"/api/v1/workstreams/{ws.pk}/", {"health": "red"}, 200),
        "item": ("patch", f"/api/v1/checklist-items/{item.pk}/", {"done": True}, 200),
        "phase": ("patch", f"/api/v1/phases/{phase.pk}/", {"planned_end": later}, 200),
    }


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
    assert api.get("/api/v1/use-cases/abc/").status_code == 404


def test_a_member_of_no_organization_sees_nothing(use_case):
    loner = UserFactory()
    client = client_for(loner)
    assert client.get("/api/v1/organizations/").json()["count"] == 0
    assert client.get("/api/v1/use-cases/").json()["count"] == 0
    assert client.get(uc_url(use_case)).status_code == 404
    assert client.get(f"/api/v1/phases/{Phase.objects.first().pk}/").status_code == 404
