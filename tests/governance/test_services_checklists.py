"""Checklist services: the default checklist, applying templates, and re-review after a material
change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import services
from governance.models import (
    ChecklistTemplate,
    GovernanceItem,
    ReReview,
)
from readiness import services as rservices
from readiness.models import AuditEvent, Notification
from tests.governance.conftest import without_checklist


def test_a_new_use_case_gets_the_default_checklist(use_case):
    checklist = use_case.governance_checklists.get()
    assert checklist.items.count() == 12
    assert AuditEvent.objects.filter(
        action="governance.checklist_apply", use_case=use_case
    ).exists()


def test_checklist_ensure_applies_default_once(use_case, admin):
    without_checklist(use_case)
    applied = AuditEvent.objects.filter(action="governance.checklist_apply").count()
    first = services.checklist_ensure(use_case=use_case, actor=admin)
    assert first is not None
    assert services.checklist_ensure(use_case=use_case, actor=admin) is None
    assert first.items.count() == 12
    assert AuditEvent.objects.filter(action="governance.checklist_apply").count() == applied + 1
    # Items carry their framework tags.
    assert first.items.get(title="Data classification recorded").controls.count() == 3


def test_checklist_apply_refuses_twice_and_other_org_template(
    use_case, admin, pm, other_org, checklist
):
    builtin = ChecklistTemplate.objects.get(organization=None)
    with pytest.raises(ValidationError):
        services.checklist_apply(actor=pm, use_case=use_case, template=builtin)
    other, other_admin, _ = other_org
    theirs = services.template_copy(
        actor=other_admin, organization=other, template=builtin, name="Theirs"
    )
    with pytest.raises(ValidationError):
        services.checklist_apply(actor=pm, use_case=use_case, template=theirs)


def test_viewer_cannot_apply(use_case, viewer):
    with pytest.raises(PermissionDenied):
        services.checklist_apply(
            actor=viewer,
            use_case=use_case,
            template=ChecklistTemplate.objects.get(organization=None),
        )


def test_material_change_after_gate_flags_passed_gate(org, use_case, pm, reviewer, checklist):
    from readiness.models import ChecklistItem
    from tests.governance.conftest import approve_phase, register_model

    register_model(org, reviewer, use_case, pm)
    approve_phase(use_case, 1, pm, reviewer)
    for c in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        rservices.checklist_item_set_done(actor=pm, item=c, done=True)
    rservices.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
    # A change of model after the phase-1 gate passed: back to review, reviewers told.
    services.approved_model_save(
        actor=reviewer,
        organization=org,
        provider="Acme AI",
        model_name="acme-xl",
        version="2",
        data_classifications=["internal"],
    )
    services.policy_update(actor=pm, use_case=use_case, model_name="acme-xl", model_version="2")
    rereview = ReReview.objects.get(use_case=use_case)
    assert rereview.kind == "model_provider" and rereview.gate_phases == [1]
    assert "acme-xl" in rereview.description
    assert not GovernanceItem.objects.filter(
        checklist__use_case=use_case, gate_phase=1, status="approved"
    ).exists()
    note = Notification.objects.get(recipient=reviewer, kind="governance.rereview")
    assert "acme-xl" in note.body
    # A behavior spec change does the same through readiness's listener.
    approve_phase(use_case, 1, pm, reviewer)
    spec = dict(
        inputs="a",
        output_format="b",
        uncertainty_behavior="c",
        human_approval="d",
        source_systems="e",
        acceptable_latency="f",
    )
    rservices.behavior_spec_save(actor=pm, use_case=use_case, **spec)
    rservices.behavior_spec_save(actor=pm, use_case=use_case, **{**spec, "inputs": "a2"})
    assert ReReview.objects.filter(use_case=use_case, kind="behavior_spec").exists()
    # So does a high-severity incident.
    approve_phase(use_case, 1, pm, reviewer)
    services.incident_open(
        actor=pm, use_case=use_case, title="Bad", description="d", severity="high"
    )
    assert ReReview.objects.filter(use_case=use_case, kind="incident").exists()
