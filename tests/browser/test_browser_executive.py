"""The executive in a real browser: the portfolio, a use case ready to scale with its six
answers, the scale decision, and a use case that stays in pilot mode with the reasons.

Runs against pytest-django's live server with the demo data (seed_demo and every app's seeder).
Screenshots of the pages go to ``$SCREENSHOT_DIR`` when it is set (for looking at them).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from portfolio.models import ScaleDecision
from readiness.models import AuditEvent, UseCase
from tests.browser.browser_support import sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

READY = "Decision-support preparation"
RATIONALE = (
    "Committee packs take an hour instead of a day, quality has held for twelve weeks and the "
    "credit director owns the rollout to Frankfurt."
)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_executive_filters_the_portfolio_reads_the_answers_and_approves_scale(
    browser: Browser, live_server, demo
):
    base = live_server.url
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    sign_in(page, base, "exec@demo.example")

    # The dashboard: every use case with its verdict; the demo has one at each of them.
    page.goto(f"{base}/o/demo/portfolio/")
    expect(page.get_by_role("heading", name="Portfolio", level=1)).to_be_visible()
    table = page.get_by_role("table")
    for verdict in ("Ready to scale", "Ready for its next gate", "Pilot mode"):
        expect(table.get_by_text(verdict, exact=True).first).to_be_visible()
    shot(page, "portfolio")

    # Filtered to what is ready to scale: one use case.
    page.get_by_label("Verdict").select_option(label="Ready to scale")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(READY)
    shot(page, "portfolio_filtered")

    # Its scale page answers the six questions from the data, none flagged.
    rows.first.get_by_role("link", name=re.compile("Scale case")).click()
    expect(page.get_by_role("heading", name=READY, level=1)).to_be_visible()
    expect(page.locator("#verdict-title")).to_contain_text("Ready to scale")
    questions = page.locator("li.question")
    expect(questions).to_have_count(6)
    for text in (
        "What workflow is improving, exactly?",
        "What is the human review model?",
        "How is risk controlled and audited?",
        "Which systems does it integrate with today?",
        "What metric proves value after launch?",
        "Who owns the product after implementation?",
    ):
        expect(page.get_by_role("heading", name=re.compile(re.escape(text)))).to_be_visible()
    expect(page.locator("li.question.flagged")).to_have_count(0)
    expect(page.locator("#q-integrations")).to_contain_text("Credit risk data mart")
    expect(page.locator("#q-owner")).to_contain_text("Priya Manager")
    expect(page.locator("#q-risk").get_by_role("link", name="Audit trail")).to_be_visible()
    shot(page, "scale_ready")

    # The decision: approve with a rationale.
    page.get_by_label("Approve scale").check()
    page.get_by_label("Rationale").fill(RATIONALE)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash").first).to_contain_text(f"Scale approved: {READY} is now scaled.")
    expect(page.locator("#verdict-title")).to_contain_text("Scaled")
    expect(page.locator("#decisions-title").locator("..")).to_contain_text(RATIONALE)
    shot(page, "scale_decided")
    use_case = UseCase.objects.get(name=READY)
    assert use_case.status == "scaled"
    decision = ScaleDecision.objects.get(use_case=use_case)
    assert decision.rationale == RATIONALE and decision.decided_by.email == "exec@demo.example"
    audit = AuditEvent.objects.get(action="scale.decided", use_case=use_case)
    assert audit.after["rationale"] == RATIONALE and len(audit.after["evidence"]["answers"]) == 6

    # Back on the dashboard it is scaled.
    page.goto(f"{base}/o/demo/portfolio/?verdict=scaled")
    expect(page.locator("table tbody tr").filter(has_text=READY)).to_have_count(1)

    # Another use case says why it is still in pilot mode.
    page.goto(f"{base}/o/demo/portfolio/")
    page.get_by_label("Verdict").select_option(label="Pilot mode")
    page.get_by_label("Team").select_option(label="Legal")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contract clause review")
    rows.first.get_by_role("link", name=re.compile("Scale case")).click()
    verdict = page.locator("section.verdict")
    expect(verdict).to_contain_text("Pilot mode")
    expect(verdict).to_contain_text("Phase 1 exit criterion not met")
    expect(verdict).to_contain_text("Governance sign-off missing")
    expect(page.locator("#q-owner")).to_contain_text("Name the person who owns the product")
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    shot(page, "scale_pilot")

    # Integrations of a use case still being wired.
    page.goto(f"{base}/o/demo/portfolio/?q=Claims")
    page.get_by_role("link", name="Claims triage assistance", exact=True).click()
    page.get_by_role("link", name="Integrations", exact=True).click()
    expect(page.locator("section.integration")).to_contain_text("Guidewire ClaimCenter")
    expect(page.locator("section.integration")).to_contain_text("Event triggers")
    shot(page, "integrations")
