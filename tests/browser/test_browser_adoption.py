"""The adoption rollout in a real browser, on the demo data (seed_demo plus adoption's seeder):
the PM publishes usage boundaries v3 and sees what changed; a cohort member gives this week's
feedback; the go-live of a cohort with an untrained manager is refused, naming them.

Screenshots go to $ADOPTION_SCREENSHOTS when set (for looking at the pages).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

USE_CASE = "Decision-support preparation"


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("ADOPTION_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def open_adoption(page: Page, base: str) -> None:
    page.goto(f"{base}/o/demo/use-cases/")
    page.get_by_role("link", name=USE_CASE).click()
    page.get_by_role("navigation", name="Use case sections").get_by_role(
        "link", name="Adoption"
    ).click()
    expect(page.get_by_role("heading", name="Cohorts")).to_be_visible()


def test_pm_publishes_boundaries_and_sees_the_diff(browser: Browser, live_server, demo):
    base = live_server.url
    pm = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(pm, base, "pm@demo.example")
    open_adoption(pm, base)
    # The chart is drawn (JavaScript on), its table folded away but present.
    expect(pm.locator("[data-feedback-trend] canvas")).to_be_visible()
    expect(pm.get_by_text("Weekly figures")).to_be_visible()
    shot(pm, "adoption_usecase")
    # The same trend is a panel on the use case's leadership scorecard.
    from readiness.models import UseCase

    uc = UseCase.objects.get(name=USE_CASE)
    pm.goto(f"{base}/o/demo/metrics/use-cases/{uc.pk}/scorecard/")
    panel = pm.locator("section", has=pm.get_by_role("heading", name="Weekly user feedback"))
    expect(panel.locator("canvas")).to_be_visible()
    shot(pm, "scorecard_with_feedback_panel")
    open_adoption(pm, base)

    pm.get_by_role("link", name="Read, history and changes").click()
    expect(pm.get_by_role("heading", name="Current usage boundaries")).to_be_visible()
    expect(pm.get_by_text("What changed in version 2")).to_be_visible()
    body = pm.get_by_role("textbox", name="Usage boundaries")
    text = body.input_value()
    body.fill(text.replace("Do not paste customer data", "Never paste customer data"))
    pm.get_by_label("What changed and why").fill("Stronger wording on customer data")
    pm.get_by_role("button", name="Publish new version").click()
    expect(pm.locator(".flash").first).to_contain_text("published as version 3")
    changes = pm.locator("#changes")
    expect(changes).to_contain_text("What changed in version 3")
    expect(changes.locator("pre.diff del")).to_have_text("Do not")
    expect(changes.locator("pre.diff ins")).to_have_text("Never")
    # The PM confirms reading the new version.
    pm.get_by_role("button", name="I have read version 3").click()
    expect(pm.get_by_text("You confirmed reading version 3")).to_be_visible()
    shot(pm, "adoption_boundaries")


def test_cohort_member_gives_weekly_feedback(browser: Browser, live_server, demo):
    base = live_server.url
    viewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(viewer, base, "viewer@demo.example")
    viewer.goto(f"{base}/o/demo/adoption/feedback/")
    card = viewer.locator("section.card", has_text="Credit analysts, wave 1")
    expect(card.get_by_text("Not answered yet")).to_be_visible()
    shot(viewer, "adoption_my_feedback_empty")
    card.get_by_role("group", name="How useful was the AI this week?").get_by_label("4").check()
    card.get_by_role("group", name="How far did you trust its output?").get_by_label("5").check()
    card.get_by_label("Minutes saved this week").fill("95")
    card.get_by_label("Anything else?").fill("The exposure table is right every time now.")
    card.get_by_role("button", name=re.compile("Send this week's feedback")).click()
    expect(viewer.locator(".flash").first).to_contain_text("your feedback on Credit analysts")
    card = viewer.locator("section.card", has_text="Credit analysts, wave 1")
    expect(card.get_by_text("Answered", exact=True)).to_be_visible()
    expect(card.get_by_label("Minutes saved this week")).to_have_value("95")
    expect(
        viewer.get_by_role("cell", name="The exposure table is right every time now.")
    ).to_be_visible()
    shot(viewer, "adoption_my_feedback_answered")


def test_go_live_with_an_untrained_manager_is_refused_naming_them(
    browser: Browser, live_server, demo
):
    base = live_server.url
    pm = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(pm, base, "pm@demo.example")
    open_adoption(pm, base)
    pm.get_by_role("link", name="Credit analysts, wave 2").click()
    expect(pm.get_by_text("Not trained").first).to_be_visible()
    pm.get_by_role("button", name="Go live").click()
    blockers = pm.locator("section.blockers")
    expect(blockers).to_contain_text("Credit analysts, wave 2 cannot go live: 1 blocker")
    expect(blockers).to_contain_text(
        "Avery Admin, manager of Credit analysts, wave 2, has no training record"
    )
    shot(pm, "adoption_cohort_refused")

    # The blocker leads to the training form; once recorded, the cohort goes live.
    blockers.get_by_role("link").first.click()
    pm.get_by_label("Person").select_option(label="Avery Admin (admin@demo.example)")
    pm.get_by_label("Course or topic").fill("Reviewing AI-prepared committee packs")
    pm.get_by_role("button", name="Record training").click()
    expect(pm.locator(".flash").first).to_contain_text("Training of Avery Admin")
    pm.get_by_role("button", name="Go live").click()
    expect(pm.locator(".flash").first).to_contain_text("Credit analysts, wave 2 is live")
    expect(pm.locator("section.blockers")).to_have_count(0)


def test_adoption_pages_have_no_axe_violations(browser: Browser, live_server, demo, axe_path):
    from adoption.models import Cohort, IterationEntry

    live = Cohort.objects.get(name="Credit analysts, wave 1")
    entry = IterationEntry.objects.filter(use_case=live.use_case).first()
    assert entry is not None
    uc = live.use_case_id
    base = live_server.url
    pages = {
        "pm@demo.example": [
            f"/o/demo/adoption/use-cases/{uc}/",
            f"/o/demo/adoption/use-cases/{uc}/boundaries/",
            f"/o/demo/adoption/use-cases/{uc}/boundaries/?compare=1",
            f"/o/demo/adoption/use-cases/{uc}/cohorts/new/",
            f"/o/demo/adoption/use-cases/{uc}/iterations/new/",
            f"/o/demo/adoption/iterations/{entry.pk}/",
            f"/o/demo/adoption/cohorts/{live.pk}/",
            f"/o/demo/adoption/cohorts/{live.pk}/edit/",
        ],
        "viewer@demo.example": [
            "/o/demo/adoption/feedback/",
            f"/o/demo/adoption/use-cases/{uc}/",
            f"/o/demo/adoption/use-cases/{uc}/boundaries/",
        ],
    }
    for email, paths in pages.items():
        page = browser.new_context().new_page()
        sign_in(page, base, email)
        page.wait_for_load_state("networkidle")
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            assert axe_violations(page, axe_path) == [], f"{email} {path}"
            shot(page, "axe_" + re.sub(r"\W+", "_", f"{email.split('@')[0]}{path}").strip("_"))
