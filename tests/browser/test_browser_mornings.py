"""Each demo role's morning in Chromium (issue 12, "Done when"): home, the first thing that
needs them, done, and home again says so. At 1366 px and 375 px, every page on the way is axe
clean and never scrolls sideways.

Runs against pytest-django's live server with the demo data (seed_demo): the reviewer has nine
items awaiting review, the program manager one rejected item to resubmit, the executive one use
case ready to scale, the admin one setup step left (an API token), the viewer nothing to do.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 800}}


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


@pytest.fixture(params=list(WIDTHS))
def morning(request, page: Page, live_server, demo, axe_path):
    """A page of the given width, and the check every page of the morning passes."""
    page.set_viewport_size(WIDTHS[request.param])

    def fits(name: str) -> None:
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert axe_violations(page, axe_path) == [], name
        folder = os.environ.get("SCREENSHOT_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/morning-{name}-{request.param}.png", full_page=True)

    return page, live_server.url, fits


def go_home(page: Page) -> None:
    page.get_by_role("link", name="Readiness home").click()
    expect(page.get_by_role("heading", name="What needs you", level=1)).to_be_visible()


def queue(page: Page, key: str):
    return page.locator(f"section[aria-labelledby=queue-{key}]")


def count(page: Page, key: str) -> int:
    return int(queue(page, key).locator(".count-badge").inner_text())


def test_reviewer_approves_the_first_item_awaiting_review(morning):
    page, base, fits = morning
    sign_in(page, base, "reviewer@demo.example")
    expect(page.get_by_role("heading", name="What needs you", level=1)).to_be_visible()
    fits("reviewer-home")
    waiting = count(page, "review")
    assert waiting == 9
    expect(queue(page, "review")).to_contain_text("9 items await your decision")

    first = queue(page, "review").locator(".queue-list a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    fits("reviewer-item")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("textbox", name="Comment", exact=True).fill(
        "Classification matches the data map; approved."
    )
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash").first).to_contain_text(title)
    fits("reviewer-decided")

    go_home(page)
    assert count(page, "review") == waiting - 1
    expect(queue(page, "review")).to_contain_text("8 items await your decision")
    fits("reviewer-home-after")


def test_program_manager_resubmits_the_rejected_evidence(morning):
    page, base, fits = morning
    sign_in(page, base, "pm@demo.example")
    fits("pm-home")
    assert count(page, "resubmit") == 1
    first = queue(page, "resubmit").locator(".queue-list a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    # The reviewer's reason is on the page, next to the form for new evidence.
    expect(page.locator("section[aria-labelledby=signoffs-title]")).to_contain_text("Rejected")
    fits("pm-item")
    page.get_by_label("Evidence or note").fill(
        "Data map v3: every field classified; the contract text is confidential, "
        "stored in the EU tenant only."
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash").first).to_contain_text("awaits review")
    fits("pm-submitted")

    go_home(page)
    assert count(page, "resubmit") == 0
    expect(queue(page, "resubmit")).to_contain_text("No rejected item waits on you.")
    fits("pm-home-after")


def test_executive_decides_the_use_case_awaiting_scale(morning):
    page, base, fits = morning
    sign_in(page, base, "exec@demo.example")
    fits("exec-home")
    assert count(page, "scale") == 1
    expect(queue(page, "scale")).to_contain_text("1 use case awaits your scale decision.")
    first = queue(page, "scale").locator(".queue-list a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator("#verdict-title")).to_contain_text("Ready to scale")
    fits("exec-scale")
    page.get_by_label("Approve scale").check()
    page.get_by_label("Rationale").fill(
        "Six weeks on target with every governance item approved; scale to the second region."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash").first).to_contain_text(f"Scale approved: {name} is now scaled.")
    fits("exec-decided")

    go_home(page)
    assert count(page, "scale") == 0
    expect(queue(page, "scale")).to_contain_text("No use case is ready to scale yet.")
    fits("exec-home-after")


def test_admin_finishes_the_setup_with_an_api_token(morning):
    page, base, fits = morning
    sign_in(page, base, "admin@demo.example")
    setup = page.locator("section.setup")
    expect(setup).to_contain_text("1 of 5 step left")
    fits("admin-home")
    setup.get_by_role("link", name="Create an API token").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    fits("admin-tokens")
    page.get_by_role("textbox", name="Name", exact=True).fill("claims-triage-service")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_label("Token", exact=True)).to_have_value(re.compile(r".{20,}"))
    fits("admin-token-created")

    go_home(page)
    expect(page.locator("section.setup")).to_have_count(0)  # every step ticked itself
    fits("admin-home-after")


def test_viewer_reads_what_they_can_see_and_has_nothing_to_act_on(morning):
    page, base, fits = morning
    sign_in(page, base, "viewer@demo.example")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nothing on this page waits on you.")
    expect(main).to_contain_text("As a viewer you read everything in Demo Insurance Group")
    expect(queue(page, "review")).to_contain_text("you are not a reviewer")
    expect(queue(page, "scale")).to_contain_text("executives decide")
    expect(main.locator("form, button")).to_have_count(0)  # nothing to submit
    fits("viewer-home")
    main.get_by_role("link", name="timeline").click()
    expect(page.get_by_role("heading", name="Portfolio timeline", level=1)).to_be_visible()
    fits("viewer-timeline")
