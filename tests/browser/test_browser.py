"""A program manager's day in a real browser: headless Chromium driven by Playwright.

Runs against pytest-django's live server with the demo data loaded by ``seed_demo``.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.browser_support import sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


@pytest.fixture
def demo(transactional_db):
    seed_demo()


def test_program_manager_creates_ticks_and_meets_the_gate(page: Page, live_server, demo):
    base = live_server.url
    sign_in(page, base, "pm@demo.example")
    expect(page.get_by_role("heading", name="What needs you")).to_be_visible()  # home
    page.get_by_role("link", name="All use cases").click()
    expect(page.get_by_role("heading", name="Use cases")).to_be_visible()
    expect(page.get_by_role("link", name="Documentation support")).to_be_visible()

    page.get_by_role("link", name="New use case").first.click()
    page.get_by_label("Name").fill("Underwriting memo drafting")
    page.get_by_label("Team").fill("Underwriting")
    page.get_by_label(re.compile("^Workflow it improves")).fill(
        "Underwriters get a first draft of the risk memo from the submission documents."
    )
    page.get_by_label(re.compile("^Target business outcome")).fill(
        "Memo drafted in 1 hour instead of 1 day"
    )
    page.get_by_label(re.compile("^Repetition")).select_option("5")
    page.get_by_role("button", name=re.compile("create", re.I)).click()

    expect(page.get_by_role("heading", name="Underwriting memo drafting", level=1)).to_be_visible()
    workstreams = page.locator("article.ws-card")
    expect(workstreams).to_have_count(7)

    # The one score given ticks its item; the others follow their scores too, so they show
    # where they come from, linked, and have no checkbox.
    card = page.locator("article.ws-card").first
    expect(card.get_by_text("1 of 6 done")).to_be_visible()
    handoffs = card.locator("li", has_text="Map the handoffs between people and systems")
    expect(handoffs.get_by_role("link", name="from Workflow economics")).to_have_attribute(
        "href", re.compile(r"/use-cases/\d+/#economics$")
    )
    expect(handoffs.locator("button.tick")).to_have_count(0)
    expect(card.locator("button.tick")).to_have_count(1)  # the judgment

    # Tick the judgment: htmx swaps the card in place, and the tick is saved.
    tick = page.get_by_role(
        "button", name="Mark done: Check the process is not the most politically sensitive one"
    )
    tick.click()
    expect(card.get_by_text("2 of 6 done")).to_be_visible()
    page.reload()
    expect(page.locator("article.ws-card").first.get_by_text("2 of 6 done")).to_be_visible()

    # The gate to phase 2 is shut: the page lists every blocker at once, each with a link:
    # the five open exit criteria, the four phase-1 governance sign-offs and the missing model.
    page.get_by_role("button", name=re.compile("^Move to Phase 2")).click()
    blockers = page.locator("section.blockers")
    expect(blockers).to_contain_text("10 blockers")
    expect(blockers).to_contain_text(
        "Phase 1 exit criterion not met: Target workflow and business outcome confirmed"
    )
    expect(blockers).to_contain_text("Governance sign-off missing (phase 1 gate)")
    expect(blockers.get_by_role("link")).to_have_count(10)

    # Following a blocker leads to the exit criterion on the timeline; ticking all five leaves
    # only governance's blockers (the governance browser test signs those off).
    blockers.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/timeline/#item-\d+$"))
    criteria = page.locator(".phase-criteria").first
    for ticked in range(1, 6):
        criteria.locator("button.tick[aria-pressed=false]").first.click()
        # Wait for htmx to swap the ticked item in before clicking the next one.
        expect(criteria.locator("button.tick[aria-pressed=true]")).to_have_count(ticked)
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name=re.compile("^Move to Phase 2")).click()
    blockers = page.locator("section.blockers")
    expect(blockers).to_contain_text("5 blockers")
    expect(blockers).not_to_contain_text("exit criterion")
    expect(
        blockers.get_by_role("link", name=re.compile("Data classification recorded"))
    ).to_be_visible()


def test_viewer_sees_no_write_controls(page: Page, live_server, demo):
    sign_in(page, live_server.url, "viewer@demo.example")
    expect(page.get_by_role("heading", name="What needs you")).to_be_visible()  # home
    page.get_by_role("link", name="All use cases").click()
    page.get_by_role("link", name="Internal IT copilot").click()
    expect(page.get_by_role("heading", name="Internal IT copilot", level=1)).to_be_visible()
    expect(page.locator("button.tick")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Move to"))).to_have_count(0)
    expect(page.get_by_role("link", name="New use case")).to_have_count(0)
