"""Governance's checks on the readiness gate: refusals name each missing item and link to it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.checks import checklist_check, incident_check, registry_check
from governance.models import ApprovedModel, GovernanceItem
from readiness import gate
from readiness import services as rservices
from readiness.errors import GateRefused
from readiness.gate import Target
from readiness.models import ChecklistItem, Notification
from tests.factories import judge
from tests.governance.conftest import approve_phase, register_model, without_checklist

PHASE2 = Target("phase:2", "Phase 2", 1)


def test_no_checklist_blocks_with_a_link_to_apply(use_case):
    without_checklist(use_case)
    [blocker] = judge(checklist_check, use_case, PHASE2)
    assert blocker.code == "governance_no_checklist"
    assert blocker.url == reverse(
        "governance_usecase", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )


def test_each_unapproved_required_item_is_named_and_linked(use_case, checklist, pm, reviewer):
    blockers = judge(checklist_check, use_case, PHASE2)
    phase1 = GovernanceItem.objects.filter(checklist=checklist, gate_phase=1, required=True)
    assert len(blockers) == phase1.count() == 4
    for b, item in zip(blockers, phase1.order_by("position", "pk"), strict=True):
        assert item.title in b.message
        assert b.url == reverse(
            "governance_item", kwargs={"org": use_case.organization.slug, "pk": item.pk}
        )
        assert b.detail["item_id"] == item.pk
    first = phase1.order_by("position").first()
    services.item_mark_not_applicable(actor=reviewer, item=first, reason="n/a")
    assert len(judge(checklist_check, use_case, PHASE2)) == 3
    approve_phase(use_case, 1, pm, reviewer)
    assert judge(checklist_check, use_case, PHASE2) == []
    # Later gates need their own phases too; scale needs every required item.
    assert len(judge(checklist_check, use_case, Target("phase:3", "Phase 3", 2))) == 5
    scale = judge(checklist_check, use_case, Target("scale", "Scale", None))
    assert len(scale) == 5 + 2  # the optional drill is not a blocker


def test_registry_check(org, use_case, pm, reviewer):
    [b] = judge(registry_check, use_case, PHASE2)
    assert b.code == "governance_no_model"
    services.policy_update(
        actor=pm, use_case=use_case, provider="Acme AI", model_name="acme-large", model_version="1"
    )
    [b] = judge(registry_check, use_case, PHASE2)
    assert b.code == "governance_model_not_registered" and "acme-large" in b.message
    register_model(org, reviewer, use_case, pm, classification="public")
    services.policy_update(actor=pm, use_case=use_case, data_classification="confidential")
    [b] = judge(registry_check, use_case, PHASE2)
    assert b.code == "governance_model_not_approved_for_data"
    services.policy_update(actor=pm, use_case=use_case, data_classification="public")
    assert judge(registry_check, use_case, PHASE2) == []
    entry = ApprovedModel.objects.get()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        entry=entry,
        approved_on=yesterday - dt.timedelta(days=9),
        expires_on=yesterday,
    )
    [b] = judge(registry_check, use_case, PHASE2)
    assert b.code == "governance_model_approval_expired" and "expired" in b.message


def test_open_critical_incident_blocks(use_case, pm, reviewer):
    incident = services.incident_open(
        actor=pm, use_case=use_case, title="Leak", description="d", severity="critical"
    )
    [b] = judge(incident_check, use_case, PHASE2)
    assert "Leak" in b.message and str(incident.pk) in b.url
    services.incident_open(
        actor=pm, use_case=use_case, title="Slow", description="d", severity="high"
    )
    assert len(judge(incident_check, use_case, PHASE2)) == 1
    services.incident_update(actor=pm, incident=incident, note="fixed", status="resolved")
    assert judge(incident_check, use_case, PHASE2) == []


def test_the_gate_holds_until_governance_signs_off(org, use_case, pm, reviewer, checklist):
    for c in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        rservices.checklist_item_set_done(actor=pm, item=c, done=True)
    with pytest.raises(GateRefused) as refused:
        rservices.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
    codes = {b.code for b in refused.value.blockers}
    assert codes == {"governance_item_not_approved", "governance_no_model"}
    register_model(org, reviewer, use_case, pm)
    approve_phase(use_case, 1, pm, reviewer)
    assert gate.evaluate(use_case, gate.next_target(use_case)) == []
    moved = rservices.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
    assert moved.current_phase == 2
    # Reviewers heard of the refusal (with its blockers) and of the pass; the mover hears nothing.
    refused_note = Notification.objects.get(recipient=reviewer, kind="gate.refused")
    assert "Governance sign-off missing" in refused_note.body
    assert Notification.objects.filter(recipient=reviewer, kind="gate.passed").count() == 1
    assert not Notification.objects.filter(recipient=pm, kind__startswith="gate.").exists()
