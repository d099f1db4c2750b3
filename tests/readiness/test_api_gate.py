"""The gate through the API: transitions (refused with every blocker, or passed) and the
read-only gate report."""

from readiness import defaults, services
from readiness.models import AuditEvent, Notification
from tests.conftest import WRITE_ROLES
from tests.readiness.api_support import client_for, tick_phase, uc_url

# --- Transition and gate -----------------------------------------------------------------------


def test_transition_refused_then_passes_after_ticking_through_the_api(api, use_case, pm):
    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json")
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
    assert f"already moved to phase 2 by {pm.email}" in response.json()["detail"]
    use_case.refresh_from_db()
    assert use_case.current_phase == 2
    # The loser is not a refusal of the next gate: no record of one, nobody told of one.
    assert not AuditEvent.objects.filter(action="gate.refused").exists()
    assert not Notification.objects.filter(kind="gate.refused").exists()


def test_transition_without_expected_phase_is_400_naming_it(api, use_case, pm):
    tick_phase(use_case, pm, 1)
    response = api.post(uc_url(use_case, "transition/"), {}, format="json")
    assert response.status_code == 400
    assert "expected_phase" in response.json()
    use_case.refresh_from_db()
    assert use_case.current_phase == 1
    assert not AuditEvent.objects.filter(action__startswith="gate.").exists()


def test_a_retried_transition_moves_one_phase_at_most(api, use_case, pm):
    for number in (1, 2):
        tick_phase(use_case, pm, number)  # phase 2 open too: a second step would pass its gate
    first = api.post(uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json")
    again = api.post(uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json")
    assert (first.status_code, again.status_code) == (200, 409)
    use_case.refresh_from_db()
    assert use_case.current_phase == 2
    assert AuditEvent.objects.filter(action="gate.passed").count() == 1


def test_transition_bad_expected_phase_is_400(api, use_case):
    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 9}, format="json")
    assert response.status_code == 400
    assert "expected_phase" in response.json()


def test_transition_role_matrix(use_case, pm, role_member):
    role, user = role_member
    tick_phase(use_case, pm, 1)
    response = client_for(user).post(
        uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json"
    )
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
    response = api.post(uc_url(use_case, "transition/"), {"expected_phase": 3}, format="json")
    assert response.status_code == 409
    assert "already moved to production by" in response.json()["detail"]
