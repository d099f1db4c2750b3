"""The events that readiness and governance emit reach the webhooks as deliveries."""

from __future__ import annotations

import pytest

from governance import services as gservices
from governance.models import GovernanceItem
from readiness import gate
from readiness import services as rservices
from readiness.errors import GateRefused
from readiness.models import Role
from tests.factories import add_member
from webhooks.models import Delivery


def deliveries(event: str) -> list[Delivery]:
    return list(Delivery.objects.filter(event=event))


def test_gate_refused_and_passed_are_emitted(
    org, pm, use_case, endpoint, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    with pytest.raises(GateRefused), django_capture_on_commit_callbacks(execute=True):
        rservices.phase_transition(actor=pm, use_case=use_case)
    [refused] = deliveries("gate.refused")
    data = refused.payload["data"]
    assert data["use_case"]["id"] == use_case.pk and data["target"] == "phase:2"
    assert data["blockers"] and data["actor"] == pm.email

    monkeypatch.setattr(gate, "_checks", {})  # every check passes
    with django_capture_on_commit_callbacks(execute=True):
        rservices.phase_transition(actor=pm, use_case=use_case)
    [passed] = deliveries("gate.passed")
    assert passed.payload["data"]["target"] == "phase:2"
    assert passed.status == "succeeded"


def test_sign_off_is_emitted(
    org, pm, use_case, endpoint, django_capture_on_commit_callbacks
) -> None:
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    gservices.checklist_ensure(use_case=use_case, actor=pm)
    item = GovernanceItem.objects.filter(checklist__use_case=use_case).order_by("position").first()
    gservices.evidence_submit(actor=pm, item=item, kind="text", text="Evidence text.")
    with django_capture_on_commit_callbacks(execute=True):
        gservices.item_sign_off(actor=reviewer, item=item, decision="approved", comment="Fine.")
    [signed] = deliveries("signoff.recorded")
    data = signed.payload["data"]
    assert data["item"] == {"id": item.pk, "title": item.title}
    assert (data["decision"], data["comment"], data["actor"]) == (
        "approved",
        "Fine.",
        reviewer.email,
    )


def test_incident_opened_is_emitted(
    org, pm, use_case, endpoint, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        incident = gservices.incident_open(
            actor=pm,
            use_case=use_case,
            title="Wrong queue",
            description="Sent to billing.",
            severity="low",
        )
    [opened] = deliveries("incident.opened")
    assert opened.payload["data"]["incident"] == {
        "id": incident.pk,
        "title": "Wrong queue",
        "severity": "low",
    }
