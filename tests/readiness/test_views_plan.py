"""The 90-day plan pages: the gate (transition), the timeline and phase dates."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import AuditEvent, ChecklistItem, Phase, UseCase
from readiness.views.plan import today_position
from tests.conftest import WRITE_ROLES
from tests.factories import make_use_case
from tests.readiness.pages_support import url


def tick_exit_criteria(use_case, actor, number):
    for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=number):
        services.checklist_item_set_done(actor=actor, item=item, done=True)


# The gate


def test_refused_transition_lists_every_blocker_then_passes_once_ticked(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_transition", org, use_case.pk), {"expected_phase": "1"})
    # Post/redirect/get: the refusal is shown by the overview, so a reload never resubmits.
    assert response.status_code == 302
    assert response["Location"] == url("usecase_detail", org, use_case.pk)
    response = client.get(response["Location"])
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="blockers"' in html
    assert "Cannot move to Phase 2: Integration and controlled rollout: 5 blockers" in html
    timeline = url("usecase_timeline", org, use_case.pk)
    for item in use_case.phases.get(number=1).exit_criteria.all():
        assert f'href="{timeline}#item-{item.pk}"' in html
        assert f"Phase 1 exit criterion not met: {item.text}" in html
    # The page around the blockers is the full overview.
    assert html.count('class="card ws-card"') == 7
    use_case.refresh_from_db()
    assert use_case.current_phase == 1
    assert AuditEvent.objects.filter(use_case=use_case, action="gate.refused").exists()
    # Shown once: a reload of the overview is the plain page, and refuses nothing again.
    reloaded = client.get(url("usecase_detail", org, use_case.pk)).content.decode()
    assert 'class="blockers"' not in reloaded
    assert AuditEvent.objects.filter(use_case=use_case, action="gate.refused").count() == 1

    tick_exit_criteria(use_case, pm, 1)
    response = client.post(
        url("usecase_transition", org, use_case.pk), {"expected_phase": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("usecase_detail", org, use_case.pk)
    assert "Moved to Phase 2: Integration and controlled rollout." in response.content.decode()
    use_case.refresh_from_db()
    assert (use_case.current_phase, use_case.status) == (2, "in_transition")


def test_last_gate_moves_to_production(client, org, pm, use_case):
    for number in (1, 2):
        tick_exit_criteria(use_case, pm, number)
        services.phase_transition(actor=pm, use_case=use_case)
    tick_exit_criteria(use_case, pm, 3)
    client.force_login(pm)
    response = client.post(
        url("usecase_transition", org, use_case.pk), {"expected_phase": "3"}, follow=True
    )
    assert "Moved to Production" in response.content.decode()
    use_case.refresh_from_db()
    assert use_case.status == "production"


def test_stale_transition_is_a_conflict_not_a_second_step(client, org, pm, use_case):
    tick_exit_criteria(use_case, pm, 1)
    client.force_login(pm)
    client.post(url("usecase_transition", org, use_case.pk), {"expected_phase": "1"})
    tick_exit_criteria(use_case, pm, 2)
    # A second tab still showing phase 1 submits again.
    response = client.post(
        url("usecase_transition", org, use_case.pk), {"expected_phase": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("usecase_detail", org, use_case.pk)
    assert f"already moved to phase 2 by {pm.email}" in response.content.decode()
    use_case.refresh_from_db()
    assert use_case.current_phase == 2


def test_transition_with_a_bad_expected_phase_is_400(client, org, pm, use_case):
    client.force_login(pm)
    response = client.post(url("usecase_transition", org, use_case.pk), {"expected_phase": "x"})
    assert response.status_code == 400


def test_transition_follows_the_role_matrix(client, org, pm, role_member, use_case):
    tick_exit_criteria(use_case, pm, 1)
    role, user = role_member
    client.force_login(user)
    response = client.post(url("usecase_transition", org, use_case.pk), {"expected_phase": "1"})
    assert response.status_code == (302 if role in WRITE_ROLES else 403)
    use_case.refresh_from_db()
    assert use_case.current_phase == (2 if role in WRITE_ROLES else 1)


def test_transition_is_post_only_and_scoped_to_the_org(client, org, pm, use_case, other_org):
    client.force_login(pm)
    assert client.get(url("usecase_transition", org, use_case.pk)).status_code == 405
    foreign = other_org[2]
    assert client.post(url("usecase_transition", org, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.current_phase == 1


# The timeline


def test_timeline_shows_phases_today_and_exit_criteria(client, org, pm, use_case):
    client.force_login(pm)
    response = client.get(url("usecase_timeline", org, use_case.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["nav"] == "use_cases"
    assert html.count('<li class="timeline-phase') == 3
    assert 'class="timeline-phase current"' in html
    assert "Today · day 11" in html
    assert 'class="timeline-today pct-12"' in html  # 11.67 %, a class: CSP forbids style=
    for phase in use_case.phases.all():
        assert reverse("phase_edit", args=[org.slug, phase.pk]) in html
        for item in phase.exit_criteria.all():
            assert f'id="item-{item.pk}"' in html
            assert reverse("item_toggle", args=[org.slug, item.pk]) in html
    assert "Nothing is late" in html


def test_timeline_for_viewer_is_read_only(client, org, viewer, use_case):
    client.force_login(viewer)
    html = client.get(url("usecase_timeline", org, use_case.pk)).content.decode()
    assert "/toggle/" not in html
    assert "Edit dates" not in html
    item = use_case.phases.get(number=1).exit_criteria.first()
    assert f'id="item-{item.pk}"' in html


def test_timeline_lists_what_is_late(client, org, pm):
    today = timezone.localdate()
    uc = make_use_case(org, pm, name="Slipping", start_date=today - dt.timedelta(days=40))
    ws = uc.workstreams.get(number=3)
    services.workstream_update(actor=pm, workstream=ws, due_date=today - dt.timedelta(days=2))
    done_ws = uc.workstreams.get(number=4)
    services.workstream_update(actor=pm, workstream=done_ws, due_date=today - dt.timedelta(days=2))
    for item in done_ws.items.all():  # done: its status follows its items
        services.checklist_item_set_done(actor=pm, item=item, done=True)
    client.force_login(pm)
    response = client.get(url("usecase_timeline", org, uc.pk))
    assert [p.number for p in response.context["late_phases"]] == [1]
    # Phase 1's workstreams were due at its end (day 30); the integration was moved earlier.
    assert [w.number for w in response.context["late_workstreams"]] == [1, 2, 3]
    late_items = [item.text for _, item in response.context["late_items"]]
    assert "Check the process is not the most politically sensitive one" in late_items
    assert "Target workflow and business outcome confirmed" in late_items  # exit criterion
    html = response.content.decode()
    assert 'class="timeline-phase late"' in html
    assert f"#ws-{ws.pk}" in html
    assert "Nothing is late" not in html


def test_finished_phase_criteria_are_read_only(client, org, pm, use_case):
    tick_exit_criteria(use_case, pm, 1)
    services.phase_transition(actor=pm, use_case=use_case)
    client.force_login(pm)
    html = client.get(url("usecase_timeline", org, use_case.pk)).content.decode()
    assert 'class="timeline-phase done"' in html
    for item in use_case.phases.get(number=1).exit_criteria.all():
        assert reverse("item_toggle", args=[org.slug, item.pk]) not in html
    item = use_case.phases.get(number=2).exit_criteria.first()
    assert reverse("item_toggle", args=[org.slug, item.pk]) in html


def test_timeline_of_another_org_is_404(client, org, pm, other_org):
    client.force_login(pm)
    assert client.get(url("usecase_timeline", org, other_org[2].pk)).status_code == 404


@pytest.mark.parametrize(
    ("day", "percent"),
    [(-5, 0.0), (1, 100 * 0.5 / 90), (46, 100 * 45.5 / 90), (90, 100 * 89.5 / 90), (200, 100.0)],
)
def test_today_position_is_clamped(day, percent):
    assert today_position(day) == pytest.approx(percent)


# Phase dates


def test_phase_edit_saves_dates_and_returns_to_the_timeline(client, org, pm, use_case):
    phase = use_case.phases.get(number=2)
    client.force_login(pm)
    response = client.get(url("phase_edit", org, phase.pk))
    assert response.status_code == 200
    assert 'type="date"' in response.content.decode()
    response = client.post(
        url("phase_edit", org, phase.pk),
        {"planned_start": "2026-06-01", "planned_end": "2026-06-30"},
    )
    assert response.status_code == 302
    assert response.url == url("usecase_timeline", org, use_case.pk)
    phase.refresh_from_db()
    assert (phase.planned_start, phase.planned_end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"planned_start": "2026-06-30", "planned_end": "2026-06-01"}, "planned_end"),
        ({"planned_start": "someday", "planned_end": "2026-06-01"}, "planned_start"),
        ({"planned_start": "2026-06-01"}, "planned_end"),
    ],
)
def test_phase_edit_rejects_bad_dates(client, org, pm, use_case, data, field):
    phase = use_case.phases.get(number=2)
    before = (phase.planned_start, phase.planned_end)
    client.force_login(pm)
    response = client.post(url("phase_edit", org, phase.pk), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    phase.refresh_from_db()
    assert (phase.planned_start, phase.planned_end) == before


def test_phase_edit_viewer_403_other_org_404(client, org, pm, viewer, use_case, other_org):
    phase = use_case.phases.get(number=2)
    data = {"planned_start": "2026-06-01", "planned_end": "2026-06-30"}
    client.force_login(viewer)
    assert client.get(url("phase_edit", org, phase.pk)).status_code == 403
    assert client.post(url("phase_edit", org, phase.pk), data).status_code == 403
    foreign = Phase.objects.get(use_case=other_org[2], number=2)
    client.force_login(pm)
    assert client.get(url("phase_edit", org, foreign.pk)).status_code == 404
    assert client.post(url("phase_edit", org, foreign.pk), data).status_code == 404
    assert not Phase.objects.filter(planned_start=dt.date(2026, 6, 1)).exists()
    assert UseCase.objects.count() == 2
