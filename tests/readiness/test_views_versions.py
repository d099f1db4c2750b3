"""The edit forms' hidden version (readiness.form_versions): a form saved after someone else
changed the same thing re-renders with what changed, by whom and when, and saves nothing."""

from __future__ import annotations

import re

from readiness import services
from readiness.models import ChecklistItem, UseCase
from tests.readiness.api_support import SPEC
from tests.readiness.pages_support import url
from tests.readiness.test_views_use_case_form import new_use_case_data


def _hidden_version(html: str) -> int:
    match = re.search(r'<input type="hidden" name="version" value="(\d+)"', html)
    assert match, "no hidden version field"
    return int(match.group(1))


def test_the_edit_form_carries_the_version(client, org, pm, use_case):
    client.force_login(pm)
    html = client.get(url("usecase_edit", org, use_case.pk)).content.decode()
    assert _hidden_version(html) == use_case.version


def test_a_stale_use_case_form_says_what_changed_and_saves_nothing(client, org, pm, admin):
    client.force_login(pm)
    client.post(url("usecase_create", org), new_use_case_data())
    use_case = UseCase.objects.get(name="Claims intake")
    shown = _hidden_version(client.get(url("usecase_edit", org, use_case.pk)).content.decode())
    # Meanwhile an admin changes the team and the target outcome.
    services.use_case_update(
        actor=admin, use_case=use_case, team="Claims ops", target_outcome="Intake in 2 days"
    )
    response = client.post(
        url("usecase_edit", org, use_case.pk),
        new_use_case_data(workflow="Mine, typed over the old page.", version=str(shown)),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This use case changed since you opened it" in html
    assert "team, target outcome changed by " + admin.email in html
    assert "Nothing was saved" in html
    assert "Mine, typed over the old page." in html  # what the person typed is kept
    use_case.refresh_from_db()
    assert use_case.workflow == "Read inbound claims and extract the fields."
    assert use_case.team == "Claims ops"
    # The form now carries the current version: saving again, knowingly, goes through.
    assert _hidden_version(html) == use_case.version
    again = client.post(
        url("usecase_edit", org, use_case.pk),
        new_use_case_data(workflow="Mine.", version=str(use_case.version)),
    )
    assert again.status_code == 302
    assert UseCase.objects.get(pk=use_case.pk).workflow == "Mine."


def test_a_form_without_a_version_still_saves(client, org, pm):
    client.force_login(pm)
    client.post(url("usecase_create", org), new_use_case_data())
    use_case = UseCase.objects.get(name="Claims intake")
    response = client.post(url("usecase_edit", org, use_case.pk), new_use_case_data(team="Ops"))
    assert response.status_code == 302


def test_a_stale_workstream_form_is_refused(client, org, pm, admin, use_case):
    ws = use_case.workstreams.get(number=4)
    client.force_login(pm)
    page = client.get(url("workstream_edit", org, ws.pk)).content.decode()
    shown = _hidden_version(page)
    services.workstream_update(actor=admin, workstream=ws, notes="Admin's notes")
    response = client.post(
        url("workstream_edit", org, ws.pk),
        {"status": ws.status, "health": "red", "notes": "Mine", "version": str(shown)},
    )
    assert response.status_code == 400
    assert "notes changed by " + admin.email in response.content.decode()
    ws.refresh_from_db()
    assert (ws.notes, ws.health) == ("Admin's notes", "green")


def test_a_stale_item_form_is_refused(client, org, pm, admin, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(pm)
    shown = _hidden_version(client.get(url("item_edit", org, item.pk)).content.decode())
    services.checklist_item_update(actor=admin, item=item, due_date=use_case.start_date)
    response = client.post(
        url("item_edit", org, item.pk), {"owner": "", "due_date": "", "version": str(shown)}
    )
    assert response.status_code == 400
    assert "due date changed by " + admin.email in response.content.decode()
    item.refresh_from_db()
    assert item.due_date == use_case.start_date


def test_a_stale_spec_form_names_the_fields_of_the_newer_version(client, org, pm, admin, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    client.force_login(pm)
    shown = _hidden_version(client.get(url("usecase_spec", org, use_case.pk)).content.decode())
    assert shown == 1
    services.behavior_spec_save(
        actor=admin, use_case=use_case, **{**SPEC, "acceptable_latency": "Under 1 second"}
    )
    response = client.post(
        url("usecase_spec", org, use_case.pk),
        {**SPEC, "inputs": "Mine", "change_note": "", "version": str(shown)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "acceptable latency changed by " + admin.email in html
    assert use_case.spec_versions.count() == 2
