"""``/api/v1/use-cases/``: list, filters and query counts, create, retrieve, patch, and the
behavior spec."""

import pytest

from readiness import defaults, services
from readiness.models import (
    AuditEvent,
    BehaviorSpecVersion,
    ChecklistItem,
    Role,
    UseCase,
    UseCaseStatus,
)
from tests.conftest import WRITE_ROLES
from tests.factories import add_member, make_org, make_use_case
from tests.readiness.api_support import (
    READ_ONLY_ROLES,
    SPEC,
    client_for,
    count_list_queries,
    create_payload,
    uc_url,
)

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


def test_use_case_list_runs_a_constant_number_of_queries(org, pm):
    client = client_for(pm)
    for _ in range(5):
        make_use_case(org, pm, owner=pm)
    few, count = count_list_queries(client, "/api/v1/use-cases/")
    assert count == 5
    for _ in range(45):
        make_use_case(org, pm, owner=pm)
    many, count = count_list_queries(client, "/api/v1/use-cases/")
    assert count == 50
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
    assert first["items_done"] == 5  # the five economics scores; the sixth item is a judgment
    assert first["status"] == "in_progress"
    assert body["workstreams"][1]["items_done"] == 6  # every field of the spec is written
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
def test_spec_may_leave_a_field_empty_for_now(api, use_case, missing):
    data = {k: v for k, v in SPEC.items() if k != missing}
    response = api.post(uc_url(use_case, "spec/"), data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["current"][missing] == ""


def test_spec_with_every_field_empty_is_400(api, use_case):
    response = api.post(uc_url(use_case, "spec/"), {"change_note": "Nothing yet"}, format="json")
    assert response.status_code == 400
    assert "at least one field" in response.json()["non_field_errors"][0]
    assert not BehaviorSpecVersion.objects.exists()
