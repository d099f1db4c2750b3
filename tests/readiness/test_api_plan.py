"""The plan through the API: workstreams, checklist items and phases."""

import datetime as dt

import pytest

from readiness import defaults, services
from readiness.models import AuditEvent, ChecklistItem, Workstream
from tests.factories import make_use_case
from tests.readiness.api_support import client_for, count_list_queries, tick_phase

# --- Lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/workstreams/", "/api/v1/checklist-items/", "/api/v1/phases/"]
)
def test_other_lists_run_a_constant_number_of_queries(org, pm, url):
    client = client_for(pm)
    first = make_use_case(org, pm)
    Workstream.objects.filter(use_case=first).update(owner=pm)
    tick_phase(first, pm, 1)
    few, _ = count_list_queries(client, url)
    for _ in range(3):
        uc = make_use_case(org, pm)
        Workstream.objects.filter(use_case=uc).update(owner=pm)
        tick_phase(uc, pm, 1)
    many, _ = count_list_queries(client, url)
    assert many == few


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
    data = {"owner": pm.email, "status": "at_risk", "health": "amber", "due_date": "2026-05-01"}
    response = api.patch(f"/api/v1/workstreams/{ws.pk}/", data, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["owner"], body["status"], body["health"]) == (pm.email, "at_risk", "amber")
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
    owner = ws.owner
    response = api.patch(f"/api/v1/workstreams/{ws.pk}/", {"owner": outsider.email}, format="json")
    assert response.status_code == 400
    assert "owner" in response.json()
    ws.refresh_from_db()
    assert ws.owner == owner


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
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
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
