"""The portfolio timeline in Chromium: reached from the portfolio (1366 px) and from the phone
menu (375 px), drawn and readable at both widths with axe clean and no sideways page scroll,
its rows' links reachable from the keyboard, and its print layout without the app's chrome.

Runs against pytest-django's live server with the demo data (seed_demo).
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 800}
DEMO_USE_CASES = 7


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_timeline_at_1366_px(page: Page, live_server, demo, axe_path):
    page.set_viewport_size(WIDE)
    sign_in(page, live_server.url, "exec@demo.example")
    page.goto(f"{live_server.url}/o/demo/portfolio/")
    page.get_by_role("main").get_by_role("link", name="Timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio timeline")
    rows = page.locator("table.ptl tbody tr")
    expect(rows).to_have_count(DEMO_USE_CASES)
    # Each row's chart is an image named after its use case, with phases drawn as bars.
    expect(page.get_by_role("img", name="Claims triage assistance: 90-day plan")).to_be_visible()
    assert page.locator("table.ptl rect.ptl-phase").count() == 3 * DEMO_USE_CASES
    assert page.locator("svg.ptl-axis .ptl-today-label").text_content() == "Today"
    # The bars line up with the axis: a row's SVG is as wide as the axis above it.
    widths = page.evaluate(
        "[...document.querySelectorAll('table.ptl svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert max(widths) - min(widths) < 1
    assert page.locator(".ptl-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert no_sideways_scroll(page)
    assert axe_violations(page, axe_path) == []
    shot(page, "portfolio-timeline-1366")

    # Keyboard: the first row's link takes focus and opens that use case's timeline with Enter.
    first = rows.first.get_by_role("link").first
    name = first.text_content()
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    assert page.url.endswith("/timeline/")

    # Filtered like the portfolio: the phase filter narrows the rows.
    page.goto(f"{live_server.url}/o/demo/portfolio/timeline/?phase=1")
    expect(rows).to_have_count(3)
    expect(page.get_by_text("3 use cases match these filters")).to_be_visible()


def test_the_timeline_on_a_phone(browser: Browser, live_server, demo, axe_path):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "pm@demo.example")
    page.goto(f"{live_server.url}/o/demo/")
    page.locator("details.nav-collapse summary").click()
    page.get_by_role("link", name="Portfolio timeline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portfolio timeline")
    # A stacked list per use case: each names its phases with their dates.
    first = page.locator("table.ptl tbody tr").first
    expect(first.locator(".ptl-phases li")).to_have_count(3)
    expect(first.locator(".ptl-phases li").first).to_contain_text("Phase 1 · Done")
    assert no_sideways_scroll(page)
    assert axe_violations(page, axe_path) == []
    shot(page, "portfolio-timeline-375")
    context.close()


def test_the_printout_leaves_out_navigation_and_filters(page: Page, live_server, demo):
    page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less its margins
    sign_in(page, live_server.url, "viewer@demo.example")
    page.goto(f"{live_server.url}/o/demo/portfolio/timeline/")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("table.ptl")).to_be_visible()
    # The whole chart fits the page width: nothing scrolls, nothing is cut.
    assert page.locator(".ptl-scroll").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert no_sideways_scroll(page)
