"""The finish of the product as a user sees it in Chromium: no page a role reaches scrolls
sideways at 375 px (the header folds into a Menu disclosure that works without JavaScript,
tables scroll inside their card), the leadership report fits 1366 px, and a refused phase move
ends on the use case's page (post/redirect/get) with every blocker linked.

Runs against pytest-django's live server with the demo data (seed_demo).
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from governance.models import GovernanceItem, Incident
from readiness.models import AuditEvent, Integration, UseCase
from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

PHONE = {"width": 375, "height": 800}
ROLES = ["admin", "pm", "reviewer", "exec", "viewer"]


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def main_pages(role: str) -> list[str]:
    """The pages a role reaches from the menu and from a use case in each stage."""
    pages = [
        "/o/demo/portfolio/",
        "/o/demo/reports/portfolio/",
        "/o/demo/use-cases/",
        "/o/demo/metrics/scorecards/",
        "/o/demo/metrics/definitions/",
        "/o/demo/governance/",
        "/o/demo/governance/incidents/",
        "/o/demo/governance/coverage/",
        "/o/demo/governance/registry/",
        "/o/demo/members/",
        "/o/demo/notifications/",
    ]
    incident = Incident.objects.filter(use_case__organization__slug="demo").first()
    if incident:
        pages.append(f"/o/demo/governance/incidents/{incident.pk}/")
    names = ["Internal IT copilot", "Claims triage assistance"]
    for use_case in UseCase.objects.filter(organization__slug="demo", name__in=names):
        pk = use_case.pk
        pages += [
            f"/o/demo/use-cases/{pk}/",
            f"/o/demo/use-cases/{pk}/spec/",
            f"/o/demo/use-cases/{pk}/timeline/",
            f"/o/demo/use-cases/{pk}/history/",
            f"/o/demo/use-cases/{pk}/integrations/",
            f"/o/demo/use-cases/{pk}/scale/",
            f"/o/demo/use-cases/{pk}/report/",
            f"/o/demo/metrics/use-cases/{pk}/scorecard/",
            f"/o/demo/metrics/use-cases/{pk}/targets/",
            f"/o/demo/governance/use-cases/{pk}/",
            f"/o/demo/adoption/use-cases/{pk}/",
        ]
    item = GovernanceItem.objects.filter(checklist__use_case__organization__slug="demo").first()
    integration = Integration.objects.filter(use_case__organization__slug="demo").first()
    assert item and integration
    pages.append(f"/o/demo/governance/items/{item.pk}/")
    if role in ("admin", "pm"):
        pages.append(f"/o/demo/integrations/{integration.pk}/")  # its edit page
    if role == "admin":
        pages += [
            "/o/demo/audit/",
            "/o/demo/metrics/tokens/",
            "/o/demo/metrics/upload/",
            "/o/demo/settings/workstreams/",
            "/o/demo/governance/templates/",
            "/o/demo/webhooks/",
        ]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_375_px(browser: Browser, live_server, demo, role):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, f"{role}@demo.example")
    page.wait_for_load_state("networkidle")
    too_wide = {}
    for path in main_pages(role):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert too_wide == {}
    context.close()


def test_the_phone_menu_opens_without_javascript(browser: Browser, live_server, demo):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, "exec@demo.example")
    page.goto(f"{live_server.url}/o/demo/use-cases/")
    # The wide bar is hidden; the Menu disclosure holds the same sections.
    expect(page.get_by_role("navigation", name="Main", exact=True)).to_be_hidden()
    menu = page.locator("details.nav-collapse")
    expect(menu).to_be_visible()
    menu.locator("summary").click()
    report = page.get_by_role("link", name="Leadership report")
    expect(report).to_be_visible()
    report.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("portfolio report")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_the_header_never_pushes_the_page_sideways_between_phone_and_laptop(
    browser: Browser, live_server, demo
):
    """The admin has the most sections in the bar: at every width from the phone menu's upper
    edge to a wide laptop the page is no wider than the window (the bar folds into the Menu
    below 1280 px, where it would not fit on one line)."""
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/portfolio/")
    too_wide = {}
    for width in (721, 1000, 1100, 1101, 1200, 1279, 1280, 1366, 1440):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            too_wide[width] = scroll
    assert too_wide == {}
    context.close()


def test_the_leadership_report_fits_1366_px_and_is_linked(page: Page, live_server, demo):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.url, "exec@demo.example")
    page.goto(f"{live_server.url}/o/demo/portfolio/")
    page.get_by_role("main").get_by_role("link", name="Leadership report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("portfolio report")
    expect(page.get_by_role("navigation", name="Main", exact=True)).to_be_visible()
    # The table does not scroll: "What to fix" is whole, not clipped at the card's edge.
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_a_refused_move_ends_on_the_use_case_page_and_a_reload_resubmits_nothing(
    page: Page, live_server, demo
):
    use_case = UseCase.objects.get(organization__slug="demo", name="Contract clause review")
    sign_in(page, live_server.url, "pm@demo.example")
    page.goto(f"{live_server.url}/o/demo/use-cases/{use_case.pk}/")
    page.get_by_role("button", name=re.compile("^Move to")).click()
    expect(page).to_have_url(f"{live_server.url}/o/demo/use-cases/{use_case.pk}/")
    blockers = page.locator(".blockers")
    expect(blockers).to_be_visible()
    links = blockers.locator("li a")
    assert links.count() >= 3
    refused = AuditEvent.objects.filter(use_case=use_case, action="gate.refused").count()
    page.reload()
    expect(page.locator(".blockers")).to_have_count(0)
    assert AuditEvent.objects.filter(use_case=use_case, action="gate.refused").count() == refused


def test_the_phone_layout_passes_axe(browser: Browser, live_server, demo, axe_path):
    use_case = UseCase.objects.get(organization__slug="demo", name="Claims triage assistance")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "pm@demo.example")
    problems = {}
    for path in [
        "/o/demo/portfolio/",
        f"/o/demo/use-cases/{use_case.pk}/",
        f"/o/demo/use-cases/{use_case.pk}/history/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.locator("details.nav-collapse summary").click()  # with the menu open
        found = axe_violations(page, axe_path)
        if found:
            problems[path] = found
    assert problems == {}
    context.close()
