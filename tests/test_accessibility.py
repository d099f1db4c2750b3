"""Every page a member reaches passes axe-core's checks (WCAG 2 A/AA rules) in headless Chromium.

axe-core comes from the npm registry (package.json); `.ci/run` installs it with `npm ci`.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page

from governance.models import ApprovedModel, ChecklistTemplate, GovernanceItem, Incident
from readiness.models import Integration, UseCase

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_path():
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} missing: run `npm ci`")
        pytest.skip("axe-core not installed (npm ci)")
    return str(AXE)


def violations(page: Page, axe_path: str) -> list[str]:
    page.add_script_tag(path=axe_path)
    found = page.evaluate(
        "async () => (await axe.run()).violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return list(found)


def test_pages_have_no_axe_violations(page: Page, live_server, axe_path):
    call_command("seed_demo")
    use_case = UseCase.objects.get(name="Claims triage assistance")
    item = GovernanceItem.objects.filter(checklist__use_case=use_case).first()
    template = ChecklistTemplate.objects.filter(organization__slug="demo").first() or (
        ChecklistTemplate.objects.first()
    )
    model = ApprovedModel.objects.filter(organization__slug="demo").first()
    incident = Incident.objects.filter(use_case__organization__slug="demo").first()
    integration = Integration.objects.filter(use_case=use_case).first()
    assert item and template and model and incident and integration
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert violations(page, axe_path) == []
    page.get_by_label("Email").fill("admin@demo.example")
    page.get_by_label("Password").fill("readiness-demo")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state("networkidle")
    paths = [
        "/o/demo/use-cases/",
        "/o/demo/use-cases/new/",
        f"/o/demo/use-cases/{use_case.pk}/",
        f"/o/demo/use-cases/{use_case.pk}/edit/",
        f"/o/demo/use-cases/{use_case.pk}/spec/",
        f"/o/demo/use-cases/{use_case.pk}/timeline/",
        f"/o/demo/use-cases/{use_case.pk}/history/",
        "/o/demo/portfolio/",
        "/o/demo/portfolio/?verdict=pilot_mode&sort=-risk",
        f"/o/demo/use-cases/{use_case.pk}/scale/",
        f"/o/demo/use-cases/{use_case.pk}/integrations/",
        f"/o/demo/use-cases/{use_case.pk}/integrations/new/",
        f"/o/demo/integrations/{integration.pk}/",
        "/o/demo/members/",
        "/o/demo/settings/workstreams/",
        "/orgs/new/",
        "/o/demo/governance/",
        f"/o/demo/governance/use-cases/{use_case.pk}/",
        f"/o/demo/governance/use-cases/{use_case.pk}/policy/",
        f"/o/demo/governance/items/{item.pk}/",
        "/o/demo/governance/templates/",
        f"/o/demo/governance/templates/{template.pk}/",
        "/o/demo/governance/controls/",
        "/o/demo/governance/coverage/",
        "/o/demo/governance/registry/",
        f"/o/demo/governance/registry/{model.pk}/",
        "/o/demo/governance/incidents/",
        "/o/demo/governance/incidents/new/",
        f"/o/demo/governance/incidents/{incident.pk}/",
        "/o/demo/metrics/definitions/",
        "/o/demo/metrics/tokens/",
        "/o/demo/metrics/upload/",
        f"/o/demo/metrics/use-cases/{use_case.pk}/targets/",
        "/o/demo/notifications/",
    ]
    problems = {}
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found = violations(page, axe_path)
        if found:
            problems[path] = found
    assert problems == {}
