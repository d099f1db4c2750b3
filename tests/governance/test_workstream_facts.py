"""The Governance workstream's items follow the checklist (by control area, up to the gate in
front of the use case) and the approved model registry, both ways, through governance's own
services; a registry approval that expires with the calendar unticks its item the next day."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from governance import services
from governance.models import GovernanceItem
from governance.workstream_facts import (
    AREA_FACTS,
    facts_sync_expired,
    governance_facts,
)
from readiness import services as readiness_services
from readiness.errors import Conflict
from readiness.facts import Fact
from readiness.models import ChecklistItem
from tests.governance.conftest import approve, approve_phase, register_model, submit

AREAS_AT_GATE_1 = ["data_handling", "logging", "oversight"]


def ticked(use_case, fact):
    return ChecklistItem.objects.get(workstream__use_case=use_case, fact=fact).done


def area_items(use_case, area, gate=1):
    return GovernanceItem.objects.filter(
        checklist__use_case=use_case, area=area, gate_phase=gate, required=True
    )


@pytest.mark.parametrize("area", AREAS_AT_GATE_1)
def test_an_area_item_follows_its_sign_offs_both_ways(checklist, use_case, pm, reviewer, area):
    fact = AREA_FACTS[area]
    assert not ticked(use_case, fact)
    for item in area_items(use_case, area):
        approve(item, pm, reviewer)
    assert ticked(use_case, fact)
    assert use_case.workstreams.get(number=5).status == "in_progress"
    # New evidence sends the item back to review: the area is no longer agreed.
    submit(area_items(use_case, area).first(), pm, text="A revised classification.")
    assert not ticked(use_case, fact)


def test_not_applicable_counts_and_reopening_unticks(checklist, use_case, pm, reviewer):
    item = area_items(use_case, "oversight").get()
    services.item_mark_not_applicable(actor=reviewer, item=item, reason="No outputs reach users.")
    assert ticked(use_case, Fact.GOV_OVERSIGHT)
    services.item_reopen(actor=reviewer, item=item)
    assert not ticked(use_case, Fact.GOV_OVERSIGHT)


def test_model_approved_needs_the_registry_and_the_sign_off_both_ways(
    org, checklist, use_case, pm, reviewer
):
    approve(area_items(use_case, "model_provider").get(), pm, reviewer)
    assert not ticked(use_case, Fact.GOV_MODEL_APPROVED)  # no model recorded yet
    register_model(org, reviewer, use_case, pm)
    assert ticked(use_case, Fact.GOV_MODEL_APPROVED)
    # The policy moves to data the approval does not cover.
    services.policy_update(actor=pm, use_case=use_case, data_classification="restricted")
    assert not ticked(use_case, Fact.GOV_MODEL_APPROVED)
    services.policy_update(actor=pm, use_case=use_case, data_classification="internal")
    assert ticked(use_case, Fact.GOV_MODEL_APPROVED)
    # A reviewer narrows the registry entry: the use case follows.
    entry = org.approved_models.get()
    services.approved_model_save(
        actor=reviewer, organization=org, entry=entry, data_classifications=["public"]
    )
    assert not ticked(use_case, Fact.GOV_MODEL_APPROVED)


def test_an_expired_approval_unticks_the_next_day_once(org, checklist, use_case, pm, reviewer):
    approve(area_items(use_case, "model_provider").get(), pm, reviewer)
    register_model(org, reviewer, use_case, pm)
    entry = org.approved_models.get()
    today = timezone.localdate()
    services.approved_model_save(
        actor=reviewer, organization=org, entry=entry, expires_on=today + dt.timedelta(days=1)
    )
    assert ticked(use_case, Fact.GOV_MODEL_APPROVED)
    assert facts_sync_expired(today=today) == 0
    later = timezone.now() + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        assert facts_sync_expired() == 1
        assert facts_sync_expired() == 0  # idempotent
    assert not ticked(use_case, Fact.GOV_MODEL_APPROVED)


def test_the_next_gate_brings_its_items_in_reach(org, checklist, use_case, pm, reviewer):
    approve_phase(use_case, 1, pm, reviewer)
    register_model(org, reviewer, use_case, pm)
    ws = use_case.workstreams.get(number=5)
    got = {f: ticked(use_case, f) for f in AREA_FACTS.values()}
    # Retention and incidents have no phase-1 item: nothing in reach is agreed yet.
    assert got == {
        Fact.GOV_DATA_HANDLING: True,
        Fact.GOV_MODEL_APPROVED: True,
        Fact.GOV_LOGGING: True,
        Fact.GOV_RETENTION: False,
        Fact.GOV_OVERSIGHT: True,
        Fact.GOV_INCIDENTS: False,
    }
    for criterion in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=1):
        readiness_services.checklist_item_set_done(actor=pm, item=criterion, done=True)
    readiness_services.phase_transition(actor=pm, use_case=use_case)
    # Phase 2's items (access, provider terms, audit store ...) are open: those areas untick.
    assert not ticked(use_case, Fact.GOV_DATA_HANDLING)
    assert not ticked(use_case, Fact.GOV_LOGGING)
    assert ticked(use_case, Fact.GOV_OVERSIGHT)  # its next item is at the phase-3 gate
    approve_phase(use_case, 2, pm, reviewer)
    assert ticked(use_case, Fact.GOV_DATA_HANDLING) and ticked(use_case, Fact.GOV_RETENTION)
    ws.refresh_from_db()
    assert ws.status == "done"


def test_governance_items_cannot_be_ticked_by_hand(checklist, use_case, pm):
    item = ChecklistItem.objects.get(workstream__use_case=use_case, fact=Fact.GOV_LOGGING)
    with pytest.raises(Conflict, match="Governance checklist"):
        readiness_services.checklist_item_set_done(actor=pm, item=item, done=True)


def test_governance_facts_rule():
    approved = [("logging", True, "approved", 1), ("logging", True, "open", 2)]
    assert governance_facts(approved, registry_ok=False, reached=1)[Fact.GOV_LOGGING]
    assert not governance_facts(approved, registry_ok=False, reached=2)[Fact.GOV_LOGGING]
    # Only optional items in reach: one of them done is enough; none is not.
    optional = [("incidents", False, "open", 3)]
    assert not governance_facts(optional, registry_ok=True)[Fact.GOV_INCIDENTS]
    done = [("incidents", False, "approved", 3)]
    assert governance_facts(done, registry_ok=True)[Fact.GOV_INCIDENTS]
    model = [("model_provider", True, "approved", 1)]
    assert not governance_facts(model, registry_ok=False)[Fact.GOV_MODEL_APPROVED]
    assert governance_facts(model, registry_ok=True)[Fact.GOV_MODEL_APPROVED]
