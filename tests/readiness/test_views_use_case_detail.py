"""A use case's overview: the header, the gate, the seven workstream cards, ticking items
(with and without htmx) and editing a workstream."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import ChecklistItem, Role, UseCase, Workstream
from tests.conftest import WRITE_ROLES
from tests.factories import add_member
from tests.readiness.pages_support import url

# The overview


def test_detail_shows_header_gate_and_seven_workstream_cards(client, org, pm, use_case):
    client.force_login(pm)
    response = client.get(url("usecase_detail", org, use_case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["nav"] == "use_cases"
    assert "<title>Triage assistance" in html
    assert 'aria-label="Breadcrumb"' in html and "Acme Health" in html
    assert "Phase 1: Production definition" in html
    assert "day 11 of 90" in html
    assert "Cut first-response time by 30%" in html
    assert "Move to Phase 2: Integration and controlled rollout" in html
    assert html.count('class="card ws-card"') == 7
    ws = use_case.workstreams.get(number=4)
    assert f'id="ws-{ws.pk}"' in html
    item = ws.items.first()
    assert reverse("item_toggle", args=[org.slug, item.pk]) in html
    assert f'aria-label="Mark done: {item.text}"' in html
    assert f'hx-target="#ws-{ws.pk}"' in html
    assert 'hx-trigger="change, submit"' in html
    assert url("usecase_spec", org, use_case.pk) in html
    assert url("usecase_timeline", org, use_case.pk) in html
    assert url("usecase_history", org, use_case.pk) in html


def test_detail_for_viewer_is_read_only(client, org, viewer, use_case):
    client.force_login(viewer)
    response = client.get(url("usecase_detail", org, use_case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card ws-card"') == 7
    assert "/toggle/" not in html
    assert 'class="tick"' not in html
    assert 'name="status"' not in html
    assert "Move to" not in html
    assert url("usecase_edit", org, use_case.pk) not in html
    assert "tick-static" in html


def test_detail_hides_the_move_button_once_out_of_the_plan(client, org, pm, use_case):
    UseCase.objects.filter(pk=use_case.pk).update(status="production", current_phase=3)
    client.force_login(pm)
    html = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    assert "Move to" not in html
    assert "has left the 90-day plan" in html


def test_detail_of_another_org_is_404(client, org, pm, other_org):
    _, _, foreign = other_org
    client.force_login(pm)
    assert client.get(url("usecase_detail", org, foreign.pk)).status_code == 404
    other, _, _ = other_org
    # The right org in the URL does not help a non-member either.
    assert client.get(url("usecase_detail", other, foreign.pk)).status_code == 404


def test_other_roles_see_pages_but_no_write_controls(client, org, use_case):
    for role in (Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER):
        client.force_login(add_member(org, role))
        html = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
        assert "/toggle/" not in html and "Move to" not in html


# Ticking items


def test_tick_without_js_redirects_back_to_the_card(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"})
    assert response.status_code == 302
    assert response.url == f"{url('usecase_detail', org, use_case.pk)}#ws-{item.workstream_id}"
    item.refresh_from_db()
    assert item.done and item.done_by == pm


def test_tick_is_explicit_so_a_double_submit_keeps_it_ticked(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(pm)
    client.post(url("item_toggle", org, item.pk), {"done": "1"})
    client.post(url("item_toggle", org, item.pk), {"done": "1"})
    item.refresh_from_db()
    assert item.done
    client.post(url("item_toggle", org, item.pk), {"done": "0"})
    item.refresh_from_db()
    assert not item.done
    client.post(url("item_toggle", org, item.pk))  # no value: flip
    item.refresh_from_db()
    assert item.done


def test_tick_with_htmx_returns_the_card_partial(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=4)
    item = ws.items.first()
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith(f'<article class="card ws-card" id="ws-{ws.pk}"')
    assert f"1 of {ws.items.count()} done" in html
    assert 'aria-pressed="true"' in html


def test_tick_follows_a_safe_next_only(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(pm)
    here = url("usecase_timeline", org, use_case.pk)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1", "next": here})
    assert response.url == here
    response = client.post(
        url("item_toggle", org, item.pk), {"done": "0", "next": "https://evil.example/"}
    )
    assert response.url.startswith(url("usecase_detail", org, use_case.pk))


def test_tick_needs_post_and_write_role(client, org, viewer, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(viewer)
    assert client.get(url("item_toggle", org, item.pk)).status_code == 405
    assert client.post(url("item_toggle", org, item.pk), {"done": "1"}).status_code == 403
    item.refresh_from_db()
    assert not item.done


def test_tick_follows_the_role_matrix(client, org, role_member, use_case):
    role, user = role_member
    item = ChecklistItem.objects.filter(workstream__use_case=use_case, fact="").first()
    client.force_login(user)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"})
    assert response.status_code == (302 if role in WRITE_ROLES else 403)
    item.refresh_from_db()
    assert item.done == (role in WRITE_ROLES)


def test_tick_of_another_orgs_item_is_404(client, org, pm, other_org):
    _, _, foreign = other_org
    item = ChecklistItem.objects.filter(workstream__use_case=foreign, fact="").first()
    client.force_login(pm)
    assert client.post(url("item_toggle", org, item.pk), {"done": "1"}).status_code == 404
    item.refresh_from_db()
    assert not item.done


def test_tick_exit_criterion_with_htmx_returns_the_criteria_partial(client, org, pm, use_case):
    phase = use_case.phases.get(number=1)
    item = phase.exit_criteria.first()
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="criteria-{phase.pk}"' in html
    assert "1 of 5 met" in html


def test_tick_exit_criterion_without_js_returns_to_the_timeline(client, org, pm, use_case):
    item = use_case.phases.get(number=1).exit_criteria.first()
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"})
    assert response.url == f"{url('usecase_timeline', org, use_case.pk)}#item-{item.pk}"


def test_tick_of_a_final_exit_criterion_is_refused(client, org, pm, use_case):
    phase = use_case.phases.get(number=1)
    item = phase.exit_criteria.first()
    phase.actual_end = timezone.localdate()
    phase.save(update_fields=["actual_end"])
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, follow=True)
    assert "exit criteria are final" in response.content.decode()
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"}, HTTP_HX_REQUEST="true")
    assert 'role="alert"' in response.content.decode()
    item.refresh_from_db()
    assert not item.done


# Workstreams


def test_workstream_edit_page_and_full_save(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=3)
    client.force_login(pm)
    response = client.get(url("workstream_edit", org, ws.pk))
    assert response.status_code == 200
    assert 'type="date"' in response.content.decode()
    response = client.post(
        url("workstream_edit", org, ws.pk),
        {
            "owner": pm.pk,
            "status": "at_risk",
            "health": "amber",
            "due_date": "2026-05-01",
            "notes": "Waiting on SSO",
        },
    )
    assert response.status_code == 302
    assert response.url == f"{url('usecase_detail', org, use_case.pk)}#ws-{ws.pk}"
    ws.refresh_from_db()
    assert (ws.owner, ws.status, ws.health, ws.due_date, ws.notes) == (
        pm,
        "at_risk",
        "amber",
        dt.date(2026, 5, 1),
        "Waiting on SSO",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("due_date", "soon"), ("status", "finished"), ("health", "purple")]
)
def test_workstream_edit_rejects_bad_input(client, org, pm, use_case, field, value):
    ws = use_case.workstreams.get(number=3)
    client.force_login(pm)
    data = {"status": "in_progress", "health": "green", "notes": "x", field: value}
    response = client.post(url("workstream_edit", org, ws.pk), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    ws.refresh_from_db()
    assert ws.status == "not_started" and ws.notes == ""


def test_workstream_owner_must_be_a_member(client, org, pm, use_case, other_org):
    _, outsider, _ = other_org
    ws = use_case.workstreams.get(number=3)
    client.force_login(pm)
    response = client.post(url("workstream_edit", org, ws.pk), {"owner": outsider.pk})
    assert response.status_code == 400
    ws.refresh_from_db()
    assert ws.owner == pm  # new workstreams are owned by the use case's creator


def test_inline_status_change_with_htmx_keeps_other_fields(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=3)
    services.workstream_update(
        actor=pm, workstream=ws, owner=pm, notes="Keep me", due_date=dt.date(2026, 5, 1)
    )
    client.force_login(pm)
    response = client.post(
        url("workstream_edit", org, ws.pk), {"status": "blocked"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="ws-{ws.pk}"' in html
    assert 'badge badge-blocked">Blocked<' in html
    ws.refresh_from_db()
    assert (ws.status, ws.owner, ws.notes, ws.due_date) == (
        "blocked",
        pm,
        "Keep me",
        dt.date(2026, 5, 1),
    )


def test_inline_status_change_without_js_redirects(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=2)
    client.force_login(pm)
    response = client.post(url("workstream_edit", org, ws.pk), {"status": "at_risk"})
    assert response.status_code == 302
    ws.refresh_from_db()
    assert ws.status == "at_risk"


def test_a_status_the_items_contradict_is_refused_in_the_card(client, org, pm, use_case):
    ws = use_case.workstreams.get(number=2)  # no spec yet: none of its six items is done
    client.force_login(pm)
    response = client.post(
        url("workstream_edit", org, ws.pk), {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "follows the checklist: 0 of 6 items are done" in html
    ws.refresh_from_db()
    assert ws.status == "not_started"


def test_inline_status_change_with_a_bad_value_shows_the_error_in_the_card(
    client, org, pm, use_case
):
    ws = use_case.workstreams.get(number=2)
    client.force_login(pm)
    response = client.post(
        url("workstream_edit", org, ws.pk), {"status": "finished"}, HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in response.content.decode()
    ws.refresh_from_db()
    assert ws.status == "not_started"


def test_workstream_edit_viewer_403_other_org_404(client, org, pm, viewer, use_case, other_org):
    ws = use_case.workstreams.get(number=3)
    client.force_login(viewer)
    assert client.get(url("workstream_edit", org, ws.pk)).status_code == 403
    assert client.post(url("workstream_edit", org, ws.pk), {"status": "done"}).status_code == 403
    ws.refresh_from_db()
    assert ws.status == "not_started"
    foreign = Workstream.objects.filter(use_case=other_org[2]).first()
    client.force_login(pm)
    assert client.get(url("workstream_edit", org, foreign.pk)).status_code == 404
    assert (
        client.post(url("workstream_edit", org, foreign.pk), {"status": "done"}).status_code == 404
    )
