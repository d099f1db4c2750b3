"""The statistic setting and the age of figures in a real browser: an org admin of the demo
chooses the 95th percentile for measured metrics on the Metrics page, then reads a use case's
scorecard, which says what it reports, when its figures were computed and which day is partial;
both pages pass axe and fit a 375 px phone without sideways scrolling."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from readiness.models import UseCase
from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def fits(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_admin_chooses_p95_and_the_scorecard_says_so(browser: Browser, live_server, demo, axe_path):
    base = live_server.url
    page = browser.new_context(viewport={"width": 375, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, base, "admin@demo.example")

    page.goto(f"{base}/o/demo/metrics/definitions/")
    page.get_by_label("95th percentile (p95)").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Scorecards now report the 95th percentile (p95)")).to_be_visible()
    expect(page.get_by_label("95th percentile (p95)")).to_be_checked()
    assert fits(page)
    assert axe_violations(page, axe_path) == []
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        page.locator("#statistic-title").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(shots) / "metrics-settings-375.png"))

    use_case = UseCase.objects.get(organization__slug="demo", name="Claims triage assistance")
    page.goto(f"{base}/o/demo/metrics/use-cases/{use_case.pk}/scorecard/")
    computed = page.locator(".scorecard-computed")
    expect(computed).to_contain_text("Figures computed at")
    expect(computed).to_contain_text("Measured metrics show the 95th percentile (p95)")
    page.get_by_text("Daily figures (table)").first.click()
    expect(page.get_by_text("today so far").first).to_be_visible()
    assert fits(page)
    assert axe_violations(page, axe_path) == []
    if shots:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(shots) / "scorecard-375.png"))
        page.get_by_text("today so far").first.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(shots) / "scorecard-today-375.png"))
    assert errors == []
