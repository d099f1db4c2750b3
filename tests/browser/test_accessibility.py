"""Every page a member reaches passes axe-core's checks (WCAG 2 A/AA rules) in headless Chromium.

axe-core comes from the npm registry (package.json): `make test` and `.ci/run` install it with
`npm ci`; the ``axe_path`` fixture (tests/browser/conftest.py) skips without it.
"""

import pytest
from playwright.sync_api import Page

from governance.models import ApprovedModel, ChecklistTemplate, GovernanceItem, Incident
from readiness.models import ChecklistItem, Integration, UseCase, WorkstreamTemplate
from tests.browser.browser_support import axe_violations
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


def test_pages_have_no_axe_violations(page: Page, live_server, axe_path):
    seed_demo()
    use_case = UseCase.objects.get(name="Claims triage assistance")
    item = GovernanceItem.objects.filter(checklist__use_case=use_case).first()
    template = ChecklistTemplate.objects.filter(organization__slug="demo").first() or (
        ChecklistTemplate.objects.first()
    )
    model = ApprovedModel.objects.filter(organization__slug="demo").first()
    incident = Incident.objects.filter(use_case__organization__slug="demo").first()
    integration = Integration.objects.filter(use_case=use_case).first()
    checklist_item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    ws_template = WorkstreamTemplate.objects.get(organization__slug="demo", number=1)
    assert item and template and model and incident and integration and checklist_item
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert axe_violations(page, axe_path) == []
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
        f"/o/demo/settings/workstreams/{ws_template.pk}/",
        f"/o/demo/items/{checklist_item.pk}/edit/",
        f"/o/demo/items/{checklist_item.pk}/",
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
        "/o/demo/audit/",
        "/o/demo/audit/?since=2099-01-01",
        "/o/demo/audit/?since=2026-05-02&until=2026-05-01",
    ]
    problems = {}
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found = axe_violations(page, axe_path)
        if found:
            problems[path] = found
    assert problems == {}


def test_account_pages_have_no_axe_violations(page: Page, live_server, axe_path):
    """Sign-in, sign-up, password reset, the code page, and two-factor setup."""
    seed_demo()
    base = live_server.url
    problems = {}

    def check(label: str) -> None:
        page.wait_for_load_state("networkidle")
        found = axe_violations(page, axe_path)
        if found:
            problems[label] = found

    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(base + path)
        check(path)
    # The page a new account types its code on.
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.locator("#id_password1").fill("a-Fresh-passphrase-42")
    page.locator("#id_password2").fill("a-Fresh-passphrase-42")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    check("code page")
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("admin@demo.example")
    page.get_by_label("Password").fill("readiness-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    for path in ("/accounts/2fa/", "/accounts/email/", "/accounts/reauthenticate/"):
        page.goto(base + path)
        check(path)
    page.get_by_label("Password").fill("readiness-demo")
    page.get_by_role("button", name="Confirm").click()
    for path in ("/accounts/2fa/totp/activate/", "/accounts/2fa/webauthn/add/"):
        page.goto(base + path)
        assert path in page.url
        check(path)
    assert problems == {}
