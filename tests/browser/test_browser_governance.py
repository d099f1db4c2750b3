"""Governance in a real browser: the reviewer works the queue, and the gate holds until every
required item of the phase is signed off.

Runs against pytest-django's live server with the demo data (seed_demo plus governance's seeder).
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def decide(page: Page, title: str, decision: str, comment: str) -> None:
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    page.get_by_label(decision, exact=True).check()
    page.get_by_role("textbox", name="Comment", exact=True).fill(comment)
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash").first).to_contain_text(title)


def test_reviewer_works_the_queue_and_the_gate_opens_when_all_are_approved(
    browser: Browser, live_server, demo
):
    base = live_server.url
    reviewer = browser.new_context().new_page()
    pm = browser.new_context().new_page()
    sign_in(reviewer, base, "reviewer@demo.example")
    sign_in(pm, base, "pm@demo.example")

    # The reviewer opens the queue, narrows it to one use case, rejects one item and approves another.
    reviewer.goto(f"{base}/o/demo/governance/")
    expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible()
    reviewer.get_by_label("Use case").select_option(label="Documentation support")
    reviewer.get_by_role("button", name="Filter").click()
    rows = reviewer.locator("table tbody tr")
    expect(rows).to_have_count(2)
    queue = reviewer.url  # the filtered queue
    decide(
        reviewer,
        "Model and provider on the approved registry",
        "Reject",
        "Link the registry entry's conditions, not the wiki page.",
    )
    reviewer.goto(queue)
    decide(
        reviewer, "Prompt and response logging policy set", "Approve", "Logging policy is clear."
    )

    # The program manager meets the remaining exit criteria, then asks the gate: refused.
    pm.goto(f"{base}/o/demo/use-cases/")
    pm.get_by_role("link", name="Documentation support").click()
    pm.get_by_role("link", name="Timeline", exact=True).click()
    expect(pm).to_have_url(re.compile(r"/timeline/$"))
    criteria = pm.locator(".phase-criteria").first
    expect(criteria).to_be_visible()
    done = criteria.locator("button.tick[aria-pressed=true]").count()
    for ticked in range(done + 1, done + 3):
        criteria.locator("button.tick[aria-pressed=false]").first.click()
        # Wait for htmx to swap the ticked item in before clicking the next one.
        expect(criteria.locator("button.tick[aria-pressed=true]")).to_have_count(ticked)
    pm.get_by_role("link", name="Overview").click()
    pm.get_by_role("button", name=re.compile("^Move to Phase 2")).click()
    blockers = pm.locator("section.blockers")
    expect(blockers).to_contain_text("1 blocker")
    expect(blockers).to_contain_text(
        "Governance sign-off missing (phase 1 gate): Model and provider on the approved registry — rejected"
    )

    # The blocker leads to the item; the PM reads the rejection and submits new evidence.
    blockers.get_by_role("link").first.click()
    expect(pm.get_by_text("Link the registry entry's conditions")).to_be_visible()
    pm.get_by_label("Evidence or note").fill(
        "Registry entry Anthropic Claude 3.5 Sonnet 20241022: approved for internal data; "
        "condition: no customer personal data (we send none)."
    )
    pm.get_by_role("button", name="Submit for review").click()
    expect(pm.locator(".flash").first).to_contain_text("awaits review")

    # The reviewer approves the resubmitted item from the queue.
    reviewer.goto(queue)
    decide(reviewer, "Model and provider on the approved registry", "Approve", "Conditions met.")

    # Now every required item is approved: the transition passes.
    pm.goto(f"{base}/o/demo/use-cases/")
    pm.get_by_role("link", name="Documentation support").click()
    pm.get_by_role("button", name=re.compile("^Move to Phase 2")).click()
    expect(pm.locator("section.blockers")).to_have_count(0)
    expect(
        pm.get_by_text(re.compile("Phase 2: Integration and controlled rollout")).first
    ).to_be_visible()
