"""Home: what needs me, true to every role, and a setup checklist that ticks itself
(issue 12, point 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from governance import services as governance
from governance.models import GovernanceItem
from metrics import services as metrics
from readiness import services
from readiness.models import Role, Workstream
from tests.factories import add_member, make_org


def home(client, user, org) -> str:
    client.force_login(user)
    response = client.get(reverse("org_home", args=[org.slug]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "{#" not in text and "{%" not in text  # no template comment leaks onto the page
    return text


@pytest.fixture
def submitted(use_case, pm, admin):
    governance.checklist_ensure(use_case=use_case, actor=admin)
    items = list(
        GovernanceItem.objects.filter(checklist__use_case=use_case, gate_phase=1).order_by("pk")[:3]
    )
    for item in items:
        governance.evidence_submit(actor=pm, item=item, kind="text", text="Runbook v2.")
    return items


def test_members_land_on_home(client, org, pm):
    client.force_login(pm)
    assert client.get("/")["Location"] == reverse("org_home", args=[org.slug])


def test_a_reviewer_sees_the_items_awaiting_their_decision(client, org, submitted):
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    text = home(client, reviewer, org)
    assert "3 items await your decision." in text
    assert reverse("governance_item", args=[org.slug, submitted[0].pk]) in text


def test_the_queue_tells_a_program_manager_the_truth(client, org, pm, submitted):
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    text = home(client, pm, org)
    assert "3 items await a governance reviewer&#x27;s decision; you are not a reviewer." in text
    assert reviewer.display_name in text


def test_a_solo_admin_is_told_to_invite_a_reviewer(client, org, admin, submitted):
    text = home(client, admin, org)
    assert "no governance reviewer yet: invite one on the Members page" in text


def test_rejected_evidence_comes_back_to_the_owner(client, org, pm, use_case, submitted):
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    governance.item_sign_off(
        actor=reviewer, item=submitted[0], decision="rejected", comment="Needs the DPIA."
    )
    text = home(client, pm, org)
    assert "1 item was rejected" in text
    assert submitted[0].title in text


@pytest.mark.parametrize("late", [True, False])
def test_what_i_own_that_is_due_or_late(client, org, pm, use_case, time_machine, late):
    workstream = Workstream.objects.filter(use_case=use_case).order_by("number").first()
    assert workstream is not None
    today = dt.date(2026, 3, 10)
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    due = today - dt.timedelta(days=2) if late else today + dt.timedelta(days=1)
    services.workstream_update(actor=pm, workstream=workstream, owner=pm, due_date=due)
    text = home(client, pm, org)
    assert f"Workstream {workstream.number}: {workstream.name}" in text
    assert ("late, due" in text) is late
    other = add_member(org, Role.PROGRAM_MANAGER)
    assert f"Workstream {workstream.number}: {workstream.name}" not in home(client, other, org)


def test_an_executive_is_told_who_moves_gates_and_that_nothing_is_ready(client, org, use_case):
    executive = add_member(org, Role.EXECUTIVE)
    text = home(client, executive, org)
    assert "No use case is ready to scale yet." in text
    assert "Awaiting review" in text  # every queue is there, true to the role


def test_the_setup_checklist_ticks_itself(client, db):
    org, admin = make_org("Fresh Start")
    text = home(client, admin, org)
    assert "5 of 5 steps left" in text
    services.invitation_create(
        actor=admin, organization=org, email="rev@example.com", role=Role.GOVERNANCE_REVIEWER
    )
    add_member(org, Role.EXECUTIVE)
    metrics.api_token_create(actor=admin, organization=org, name="triage-service")
    text = home(client, admin, org)
    assert "2 of 5 steps left" in text
    viewer = add_member(org, Role.VIEWER)
    assert "Set up Fresh Start" not in home(client, viewer, org)


def test_home_is_for_members_only(client, org, other_org):
    _, outsider, _ = other_org
    client.force_login(outsider)
    assert client.get(reverse("org_home", args=[org.slug])).status_code == 404


def test_an_unread_mention_waits_on_home_until_it_is_opened(client, org, pm, admin, use_case):
    comment = services.comment_add(
        actor=pm,
        target=use_case,
        body=f"@{admin.email.split('@')[0]} can you confirm the data owner?",
    )
    text = home(client, admin, org)
    assert 'id="queue-mentions"' in text
    assert f'href="/o/{org.slug}/comments/{comment.pk}/"' in text
    assert f"{pm.display_name} mentioned you on {use_case.name}" in text
    assert "can you confirm the data owner?" in text
    client.get(reverse("comment_show", args=[org.slug, comment.pk]))
    assert "Nobody has mentioned you in a discussion" in home(client, admin, org)
    # The author's own home has no mention of their own comment.
    assert f'href="/o/{org.slug}/comments/{comment.pk}/"' not in home(client, pm, org)


def test_only_what_the_reader_may_act_on_is_counted_as_waiting(client, org, submitted):
    """Three items await review: they wait on a reviewer, not on a viewer, who is told what
    they can read instead."""
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    assert "3 things on this page wait on you." in home(client, reviewer, org)
    viewer = add_member(org, Role.VIEWER)
    text = home(client, viewer, org)
    assert "Nothing on this page waits on you." in text
    assert "3 items await a governance reviewer&#x27;s decision; you are not a reviewer." in text
    assert "As a viewer you read everything in" in text
    assert "As a viewer" not in home(client, reviewer, org)
