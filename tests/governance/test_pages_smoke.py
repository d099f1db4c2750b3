"""Every governance page renders for every demo role (seeded demo)."""

import pytest
from django.core.management import call_command

from governance.models import ApprovedModel, ChecklistTemplate, GovernanceItem, Incident
from readiness.models import UseCase, User


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def test_every_page_renders_for_every_role(client, demo):
    uc = UseCase.objects.get(name="Contract clause review")
    item = GovernanceItem.objects.filter(checklist__use_case=uc).first()
    paths = [
        "/o/demo/governance/",
        f"/o/demo/governance/?use_case={uc.pk}&area=model_provider&phase=1&assigned=me",
        f"/o/demo/governance/use-cases/{uc.pk}/",
        f"/o/demo/governance/use-cases/{uc.pk}/policy/",
        f"/o/demo/governance/items/{item.pk}/",
        "/o/demo/governance/templates/",
        f"/o/demo/governance/templates/{ChecklistTemplate.objects.first().pk}/",
        "/o/demo/governance/controls/",
        "/o/demo/governance/coverage/",
        "/o/demo/governance/coverage/?framework=eu_ai_act",
        "/o/demo/governance/registry/",
        f"/o/demo/governance/registry/{ApprovedModel.objects.first().pk}/",
        "/o/demo/governance/incidents/",
        "/o/demo/governance/incidents/?show=all",
        f"/o/demo/governance/incidents/{Incident.objects.first().pk}/",
    ]
    for email in ("admin", "pm", "reviewer", "exec", "viewer"):
        client.force_login(User.objects.get(email=f"{email}@demo.example"))
        for path in paths:
            assert client.get(path).status_code == 200, (email, path)


def test_seed_demo_is_idempotent_and_keeps_phases(demo):
    from governance.models import Checklist, SignOff

    before = (Checklist.objects.count(), SignOff.objects.count(), Incident.objects.count())
    call_command("seed_demo")
    assert (Checklist.objects.count(), SignOff.objects.count(), Incident.objects.count()) == before
    phases = dict(UseCase.objects.values_list("name", "current_phase"))
    assert phases["Internal IT copilot"] == 2 and phases["Claims triage assistance"] == 3
    statuses = set(GovernanceItem.objects.values_list("status", flat=True))
    assert statuses == {"open", "submitted", "approved", "rejected", "not_applicable"}
    assert (
        ApprovedModel.objects.filter(
            expires_on__lt=__import__("django.utils.timezone").utils.timezone.localdate()
        ).count()
        == 1
    )
    assert Incident.objects.filter(status="reviewed").exists()
