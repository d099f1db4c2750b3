"""The use-case pages: list, create/edit, overview with workstreams, ticking, spec, history."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness import services
from readiness.models import (
    AuditEvent,
    BehaviorSpecVersion,
    ChecklistItem,
    Role,
    UseCase,
    Workstream,
)
from readiness.views.use_cases import humanise_action
from tests.conftest import WRITE_ROLES
from tests.factories import add_member, make_use_case

SPEC = {
    "inputs": "Ticket text and customer tier",
    "output_format": "Queue name and a reply draft",
    "uncertainty_behavior": "Route to a human",
    "human_approval": "Every reply",
    "source_systems": "Zendesk",
    "acceptable_latency": "2 s",
}


def url(name, org, *args):
    return reverse(name, args=[org.slug, *args])


def new_use_case_data(**overrides):
    data = {
        "name": "Claims intake",
        "workflow": "Read inbound claims and extract the fields.",
        "team": "Claims",
        "owner": "",
        "target_outcome": "Halve intake time",
        "risk_tier": "high",
        "start_date": "2026-03-02",
        "repetition": "5",
        "clear_handoffs": "5",
        "cost_of_delay": "3",
        "knowledge_lookup": "3",
        "reviewability": "4",
    }
    data.update(overrides)
    return data


# org_home and the list


def test_org_home_redirects_to_the_list(client, org, pm):
    client.force_login(pm)
    response = client.get(reverse("org_home", args=[org.slug]))
    assert response.status_code == 302
    assert response.url == url("usecase_list", org)


def test_org_pages_are_404_for_non_members(client, org, other_org):
    _, outsider, _ = other_org
    client.force_login(outsider)
    assert client.get(reverse("org_home", args=[org.slug])).status_code == 404
    assert client.get(url("usecase_list", org)).status_code == 404


def test_list_requires_login(client, org):
    response = client.get(url("usecase_list", org))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_list_shows_each_use_case_with_its_state(client, org, pm, use_case, other_org):
    total = ChecklistItem.objects.filter(workstream__use_case=use_case).count()
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    services.use_case_update(actor=pm, use_case=use_case, owner=pm)
    client.force_login(pm)
    response = client.get(url("usecase_list", org))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["nav"] == "use_cases"
    assert f'href="{url("usecase_detail", org, use_case.pk)}"' in html
    assert "Triage assistance" in html
    assert "Customer support" in html
    assert 'class="badge badge-pilot"' in html
    assert "day 11 of 90" in html
    assert 'class="score score-high"' in html and ">85<" in html
    assert f"1 of {total} items" in html
    assert escape(pm.display_name) in html
    assert "Globex copilot" not in html  # another tenant's use case
    assert "New use case" in html


def test_list_flags_a_use_case_whose_phase_is_late(client, org, pm):
    make_use_case(org, pm, name="Late one", start_date=timezone.localdate() - dt.timedelta(days=45))
    make_use_case(org, pm, name="On time", start_date=timezone.localdate())
    client.force_login(pm)
    page = client.get(url("usecase_list", org)).context["page"]
    late = {uc.name: uc.has_late_phase for uc in page}
    assert late == {"Late one": True, "On time": False}
    assert 'badge badge-bad">Late<' in client.get(url("usecase_list", org)).content.decode()


def test_viewer_sees_the_list_without_write_controls(client, org, viewer, use_case):
    client.force_login(viewer)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "Triage assistance" in html
    assert "New use case" not in html
    assert url("usecase_create", org) not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "claims"}, {"Claims intake"}),
        ({"q": "underwriting"}, {"Underwriting notes"}),  # matched on the workflow text
        ({"q": "CUSTOMER"}, {"Triage assistance"}),  # team, case-insensitive
        ({"status": "in_transition"}, {"Underwriting notes"}),
        ({"risk_tier": "high"}, {"Claims intake"}),
        ({"phase": "2"}, {"Underwriting notes"}),
        ({"phase": "1"}, {"Triage assistance", "Claims intake"}),
        ({"team": "Claims"}, {"Claims intake"}),
        ({"status": "nonsense"}, {"Triage assistance", "Claims intake", "Underwriting notes"}),
    ],
)
def test_list_filters(client, org, pm, use_case, params, expected):
    make_use_case(org, pm, name="Claims intake", team="Claims", risk_tier="high")
    moved = make_use_case(
        org, pm, name="Underwriting notes", team="Risk", workflow="Summarise underwriting files"
    )
    UseCase.objects.filter(pk=moved.pk).update(current_phase=2, status="in_transition")
    client.force_login(pm)
    response = client.get(url("usecase_list", org), params)
    assert response.status_code == 200
    assert {uc.name for uc in response.context["page"]} == expected


def test_list_filter_form_autosubmits_and_has_a_button(client, org, pm, use_case):
    client.force_login(pm)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "data-autosubmit" in html
    assert ">Filter</button>" in html


def test_list_sorts_by_column(client, org, pm):
    make_use_case(org, pm, name="Bravo", team="Zeta", repetition=1)
    make_use_case(org, pm, name="Alpha", team="Alpha", repetition=5)
    make_use_case(org, pm, name="Charlie", team="Mu", repetition=3)
    client.force_login(pm)

    def names(**params):
        return [uc.name for uc in client.get(url("usecase_list", org), params).context["page"]]

    assert names() == ["Alpha", "Charlie", "Bravo"]  # priority, highest first
    assert names(sort="priority") == ["Bravo", "Charlie", "Alpha"]
    assert names(sort="name") == ["Alpha", "Bravo", "Charlie"]
    assert names(sort="-name") == ["Charlie", "Bravo", "Alpha"]
    assert names(sort="-team") == ["Bravo", "Charlie", "Alpha"]
    assert names(sort="bogus") == ["Alpha", "Charlie", "Bravo"]


def test_sorted_header_links_to_the_reverse_order_and_says_so(client, org, pm, use_case):
    client.force_login(pm)
    html = client.get(url("usecase_list", org), {"sort": "name", "q": "tri"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-name&amp;q=tri" in html or "?q=tri&amp;sort=-name" in html


def test_list_empty_states(client, org, pm, viewer):
    client.force_login(pm)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "No use cases yet." in html
    assert url("usecase_create", org) in html
    html = client.get(url("usecase_list", org), {"q": "zzz"}).content.decode()
    assert "No use cases match these filters." in html
    client.force_login(viewer)
    html = client.get(url("usecase_list", org)).content.decode()
    assert "No use cases yet." in html
    assert url("usecase_create", org) not in html


def test_list_paginates_at_fifty(client, org, pm):
    for i in range(51):
        make_use_case(org, pm, name=f"Case {i:02d}")
    client.force_login(pm)
    first = client.get(url("usecase_list", org), {"sort": "name"})
    assert len(first.context["page"]) == 50
    second = client.get(url("usecase_list", org), {"sort": "name", "page": 2})
    assert [uc.name for uc in second.context["page"]] == ["Case 50"]
    assert "Page 2 of 2" in second.content.decode()


# Create and edit


def test_create_form_explains_the_priority_formula(client, org, pm):
    client.force_login(pm)
    response = client.get(url("usecase_create", org))
    assert response.status_code == 200
    html = response.content.decode()
    assert "round(100 * (mean of the five criteria - 1) / 4)" in html
    assert "1 - weak fit" in html and "5 - strong fit" in html
    assert 'type="date"' in html


def test_create_saves_through_the_service_and_redirects(client, org, pm):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(owner=pm.pk), follow=True)
    uc = UseCase.objects.get(name="Claims intake")
    assert response.redirect_chain[-1][0] == url("usecase_detail", org, uc.pk)
    assert uc.organization == org and uc.owner == pm and uc.created_by == pm
    assert uc.priority_score == 75
    assert uc.workstreams.count() == 7
    assert "Claims intake created" in response.content.decode()
    assert AuditEvent.objects.filter(action="use_case.create", use_case=uc).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("repetition", "7"), ("name", ""), ("risk_tier", "extreme"), ("start_date", "tomorrow")],
)
def test_create_rejects_bad_input_and_saves_nothing(client, org, pm, field, value):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not UseCase.objects.exists()


def test_create_refuses_an_owner_from_another_org(client, org, pm, other_org):
    _, outsider, _ = other_org
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(owner=outsider.pk))
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert not UseCase.objects.filter(organization=org).exists()


def test_create_shows_the_services_duplicate_name_error(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_create", org), new_use_case_data(name="triage ASSISTANCE"))
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["name"])
    assert UseCase.objects.filter(organization=org).count() == 1


def test_create_and_edit_follow_the_role_matrix(client, org, role_member, use_case):
    role, user = role_member
    client.force_login(user)
    allowed = role in WRITE_ROLES
    for page in (url("usecase_create", org), url("usecase_edit", org, use_case.pk)):
        assert client.get(page).status_code == (200 if allowed else 403)
    response = client.post(url("usecase_create", org), new_use_case_data())
    assert response.status_code == (302 if allowed else 403)
    assert UseCase.objects.filter(name="Claims intake").exists() == allowed


def test_edit_saves_and_recomputes_priority(client, org, pm, use_case):
    client.force_login(pm)
    data = new_use_case_data(name="Triage assistance", politically_sensitive="on")
    response = client.post(url("usecase_edit", org, use_case.pk), data)
    assert response.status_code == 302
    assert response.url == url("usecase_detail", org, use_case.pk)
    use_case.refresh_from_db()
    assert use_case.team == "Claims" and use_case.politically_sensitive
    assert use_case.priority_score == 50


def test_edit_with_bad_input_changes_nothing(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(
        url("usecase_edit", org, use_case.pk), new_use_case_data(name="", team="Other")
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert "Triage assistance" in response.content.decode()  # the header shows the saved name
    use_case.refresh_from_db()
    assert use_case.team == "Customer support"


def test_edit_viewer_403_and_other_org_404(client, org, pm, viewer, use_case, other_org):
    _, _, foreign = other_org
    client.force_login(viewer)
    assert (
        client.post(url("usecase_edit", org, use_case.pk), new_use_case_data()).status_code == 403
    )
    use_case.refresh_from_db()
    assert use_case.name == "Triage assistance"
    client.force_login(pm)
    assert client.get(url("usecase_edit", org, foreign.pk)).status_code == 404
    assert client.post(url("usecase_edit", org, foreign.pk), new_use_case_data()).status_code == 404


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
    ws = use_case.workstreams.get(number=3)
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


# Ticking items


def test_tick_without_js_redirects_back_to_the_card(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    client.force_login(pm)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"})
    assert response.status_code == 302
    assert response.url == f"{url('usecase_detail', org, use_case.pk)}#ws-{item.workstream_id}"
    item.refresh_from_db()
    assert item.done and item.done_by == pm


def test_tick_is_explicit_so_a_double_submit_keeps_it_ticked(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
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
    ws = use_case.workstreams.get(number=1)
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
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    client.force_login(pm)
    here = url("usecase_timeline", org, use_case.pk)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1", "next": here})
    assert response.url == here
    response = client.post(
        url("item_toggle", org, item.pk), {"done": "0", "next": "https://evil.example/"}
    )
    assert response.url.startswith(url("usecase_detail", org, use_case.pk))


def test_tick_needs_post_and_write_role(client, org, viewer, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    client.force_login(viewer)
    assert client.get(url("item_toggle", org, item.pk)).status_code == 405
    assert client.post(url("item_toggle", org, item.pk), {"done": "1"}).status_code == 403
    item.refresh_from_db()
    assert not item.done


def test_tick_follows_the_role_matrix(client, org, role_member, use_case):
    role, user = role_member
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    client.force_login(user)
    response = client.post(url("item_toggle", org, item.pk), {"done": "1"})
    assert response.status_code == (302 if role in WRITE_ROLES else 403)
    item.refresh_from_db()
    assert item.done == (role in WRITE_ROLES)


def test_tick_of_another_orgs_item_is_404(client, org, pm, other_org):
    _, _, foreign = other_org
    item = ChecklistItem.objects.filter(workstream__use_case=foreign).first()
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
    assert ws.owner is None


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
    response = client.post(url("workstream_edit", org, ws.pk), {"status": "done"})
    assert response.status_code == 302
    ws.refresh_from_db()
    assert ws.status == "done"


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


# The behavior spec


def test_spec_first_version_and_new_versions(client, org, pm, use_case):
    client.force_login(pm)
    response = client.get(url("usecase_spec", org, use_case.pk))
    assert response.status_code == 200
    assert "No behavior spec yet." in response.content.decode()
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "change_note": "First"})
    assert response.status_code == 302
    assert response.url == url("usecase_spec", org, use_case.pk)
    response = client.post(
        url("usecase_spec", org, use_case.pk),
        {**SPEC, "acceptable_latency": "1 s", "change_note": "Faster"},
        follow=True,
    )
    assert [v.version for v in BehaviorSpecVersion.objects.filter(use_case=use_case)] == [2, 1]
    html = response.content.decode()
    assert "Behavior spec saved as version 2." in html
    assert '<del class="diff-del">2</del><ins class="diff-ins">1</ins>' in html
    assert "Faster" in html and "First" in html


def test_spec_unchanged_save_is_a_form_error(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    client.force_login(pm)
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "change_note": "again"})
    assert response.status_code == 400
    assert "Nothing changed since version 1." in response.context["form"].non_field_errors()
    assert BehaviorSpecVersion.objects.filter(use_case=use_case).count() == 1


def test_spec_missing_field_is_a_field_error(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "inputs": ""})
    assert response.status_code == 400
    assert "inputs" in response.context["form"].errors
    assert not BehaviorSpecVersion.objects.exists()


def test_spec_diff_escapes_user_text(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    services.behavior_spec_save(
        actor=pm, use_case=use_case, **{**SPEC, "inputs": "Ticket <script>alert(1)</script>"}
    )
    client.force_login(pm)
    html = client.get(url("usecase_spec", org, use_case.pk)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_spec_compare_picks_a_version(client, org, pm, use_case):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**SPEC, "inputs": "Alpha"})
    services.behavior_spec_save(actor=pm, use_case=use_case, **{**SPEC, "inputs": "Beta"})
    client.force_login(pm)
    response = client.get(url("usecase_spec", org, use_case.pk), {"compare": "2"})
    assert response.context["compare"].version == 2
    assert response.context["previous"].version == 1
    html = response.content.decode()
    assert "What changed in version 2" in html
    assert '<ins class="diff-ins">Alpha</ins>' in html
    response = client.get(url("usecase_spec", org, use_case.pk), {"compare": "junk"})
    assert response.context["compare"].version == 3


def test_spec_viewer_reads_but_cannot_write(client, org, pm, viewer, use_case, other_org):
    services.behavior_spec_save(actor=pm, use_case=use_case, **SPEC)
    client.force_login(viewer)
    response = client.get(url("usecase_spec", org, use_case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zendesk" in html
    assert "Save new version" not in html
    response = client.post(url("usecase_spec", org, use_case.pk), {**SPEC, "inputs": "x"})
    assert response.status_code == 403
    assert BehaviorSpecVersion.objects.filter(use_case=use_case).count() == 1
    client.force_login(pm)
    assert client.get(url("usecase_spec", org, other_org[2].pk)).status_code == 404
    assert client.post(url("usecase_spec", org, other_org[2].pk), SPEC).status_code == 404


# History


def test_history_lists_events_newest_first_with_changes(client, org, pm, use_case):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    services.checklist_item_set_done(actor=pm, item=item, done=True)
    ws = use_case.workstreams.get(number=1)
    services.workstream_update(actor=pm, workstream=ws, status="in_progress")
    client.force_login(pm)
    response = client.get(url("usecase_history", org, use_case.pk))
    assert response.status_code == 200
    events = list(response.context["page"])
    assert [e.action for e in events] == [
        "workstream.update",
        "workstream_item.set_done",
        "use_case.create",
    ]
    html = response.content.decode()
    assert "Workstream item set done" in html
    assert '<span class="before">not_started</span>' in html
    assert '<span class="after">in_progress</span>' in html
    assert pm.email in html


def test_history_query_count_is_constant(client, org, pm, use_case, django_assert_max_num_queries):
    client.force_login(pm)
    client.get(url("usecase_history", org, use_case.pk))  # warm the session
    items = ChecklistItem.objects.filter(workstream__use_case=use_case)[:10]
    for item in items:
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    with django_assert_max_num_queries(8):
        client.get(url("usecase_history", org, use_case.pk))


def test_history_viewer_can_read_other_org_404(client, org, pm, viewer, use_case, other_org):
    client.force_login(viewer)
    assert client.get(url("usecase_history", org, use_case.pk)).status_code == 200
    assert client.get(url("usecase_history", org, other_org[2].pk)).status_code == 404


@pytest.mark.parametrize(
    ("action", "label"),
    [
        ("workstream_item.set_done", "Workstream item set done"),
        ("gate.refused", "Gate refused"),
        ("use_case.create", "Use case create"),
    ],
)
def test_humanise_action(action, label):
    assert humanise_action(action) == label


def test_other_roles_see_pages_but_no_write_controls(client, org, use_case):
    for role in (Role.EXECUTIVE, Role.GOVERNANCE_REVIEWER):
        client.force_login(add_member(org, role))
        html = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
        assert "/toggle/" not in html and "Move to" not in html
