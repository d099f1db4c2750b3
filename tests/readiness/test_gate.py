import pytest

from readiness import gate, services
from readiness.errors import Conflict, GateRefused
from readiness.models import AuditEvent, ChecklistItem, UseCaseStatus


def tick_phase(use_case, actor, number):
    for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=number):
        services.checklist_item_set_done(actor=actor, item=item, done=True)


def test_refusal_names_every_open_exit_criterion(use_case, pm):
    first = (
        ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1)
        .order_by("position")
        .first()
    )
    services.checklist_item_set_done(actor=pm, item=first, done=True)
    with pytest.raises(GateRefused) as refused:
        services.phase_transition(actor=pm, use_case=use_case)
    blockers = refused.value.blockers
    assert refused.value.target == "phase:2"
    assert len(blockers) == 4
    assert all(
        b.code == "exit_criterion_open" and b.message.startswith("Phase 1 exit criterion not met:")
        for b in blockers
    )
    assert all(f"/use-cases/{use_case.pk}/timeline/#item-" in b.url for b in blockers)
    use_case.refresh_from_db()
    assert use_case.current_phase == 1
    refusal = AuditEvent.objects.get(use_case=use_case, action="gate.refused")
    assert len(refusal.after["blockers"]) == 4


def test_full_plan_to_production(use_case, pm):
    for number in (1, 2, 3):
        tick_phase(use_case, pm, number)
        services.phase_transition(actor=pm, use_case=use_case, expected_phase=number)
    use_case.refresh_from_db()
    assert use_case.status == UseCaseStatus.PRODUCTION
    assert all(p.actual_end for p in use_case.phases.all())
    assert gate.next_target(use_case) is None
    with pytest.raises(Conflict, match="no next phase"):
        services.phase_transition(actor=pm, use_case=use_case)


def test_stale_expected_phase_is_a_conflict(use_case, pm):
    tick_phase(use_case, pm, 1)
    services.phase_transition(actor=pm, use_case=use_case, expected_phase=1)
    with pytest.raises(Conflict, match=f"already moved to phase 2 by {pm.email}"):
        services.phase_transition(actor=pm, use_case=use_case, expected_phase=1)


def test_registered_checks_from_other_apps_are_asked(use_case, pm, monkeypatch):
    """A new kind of check plugs in without any change to readiness."""
    monkeypatch.setattr(gate, "_checks", dict(gate._checks))
    gate.register_check(
        "tests.always",
        lambda use_cases, targets: {
            uc.pk: [gate.Blocker(code="x", message="Sign-off missing", source="governance")]
            for uc in use_cases
        },
    )
    tick_phase(use_case, pm, 1)
    with pytest.raises(GateRefused) as refused:
        services.phase_transition(actor=pm, use_case=use_case)
    assert [b.message for b in refused.value.blockers] == ["Sign-off missing"]


def test_exit_criteria_of_a_passed_phase_are_final(use_case, pm):
    tick_phase(use_case, pm, 1)
    services.phase_transition(actor=pm, use_case=use_case)
    item = ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1).first()
    with pytest.raises(Exception, match="final"):
        services.checklist_item_set_done(actor=pm, item=item, done=False)
