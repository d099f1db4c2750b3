"""Discussion in Chromium: a program manager posts a comment mentioning a reviewer on a use case
(htmx, no page reload), the mention is highlighted, and the reviewer finds it on home and opens
it; at 1366 px and 375 px, with axe clean and no sideways scroll."""

import re

import pytest
from playwright.sync_api import Browser, expect

from readiness.models import Comment, Role
from tests.browser.browser_support import DEMO_PASSWORD, axe_violations, sign_in
from tests.factories import UserFactory, add_member, make_org, make_use_case

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


@pytest.fixture
def team(transactional_db):
    org, _admin = make_org("Northwind Claims")
    pm = add_member(
        org,
        Role.PROGRAM_MANAGER,
        UserFactory(
            email="priya@northwind.example",
            first_name="Priya",
            last_name="Shah",
            password=DEMO_PASSWORD,
        ),
    )
    reviewer = add_member(
        org,
        Role.GOVERNANCE_REVIEWER,
        UserFactory(
            email="rafa@northwind.example",
            first_name="Rafa",
            last_name="Ortiz",
            password=DEMO_PASSWORD,
        ),
    )
    use_case = make_use_case(org, pm, name="Claims triage assistance")
    return org, pm, reviewer, use_case


def no_sideways_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1366, 375])
def test_a_mention_reaches_the_reviewer_on_home(
    browser: Browser, live_server, team, axe_path, width
):
    org, pm, reviewer, use_case = team
    base = live_server.url
    viewport = {"width": width, "height": 900}

    as_pm = browser.new_context(viewport=viewport).new_page()
    sign_in(as_pm, base, pm.email)
    as_pm.goto(f"{base}/o/{org.slug}/use-cases/{use_case.pk}/")
    thread = as_pm.locator("#discussion")
    expect(thread).to_contain_text("No comments yet.")
    thread.get_by_role("textbox", name="Comment").fill(
        "@rafa can you confirm the claims data is classified before the pilot widens?"
    )
    url_before = as_pm.url
    as_pm.get_by_role("button", name="Post comment").click()
    mention = as_pm.locator("#discussion .mention")
    expect(mention).to_have_text("@Rafa Ortiz")
    expect(thread).to_contain_text("can you confirm the claims data is classified")
    assert as_pm.url == url_before  # htmx swapped the thread; no reload, no redirect
    expect(thread.get_by_role("textbox", name="Comment")).to_have_value("")
    no_sideways_scroll(as_pm, width)
    assert axe_violations(as_pm, axe_path) == []
    comment = Comment.objects.get()
    # Editing works without JavaScript: its own page, then back to the thread at the comment.
    thread.get_by_role("link", name=re.compile("^Edit")).click()
    assert axe_violations(as_pm, axe_path) == []
    no_sideways_scroll(as_pm, width)
    as_pm.get_by_role("textbox", name="Comment").fill(
        "@rafa can you confirm the claims data is classified before the pilot widens? "
        "The owner is the claims data steward."
    )
    as_pm.get_by_role("button", name="Save").click()
    expect(as_pm).to_have_url(re.compile(rf"/use-cases/{use_case.pk}/#comment-{comment.pk}$"))
    expect(as_pm.locator(f"#comment-{comment.pk}")).to_contain_text("edited")

    as_reviewer = browser.new_context(viewport=viewport).new_page()
    sign_in(as_reviewer, base, reviewer.email)
    as_reviewer.goto(f"{base}/o/{org.slug}/")
    queue = as_reviewer.locator("#queue-mentions").locator("xpath=..")
    expect(queue).to_contain_text("1 comment mentions you")
    link = queue.get_by_role("link", name="Priya Shah mentioned you on Claims triage assistance")
    expect(link).to_be_visible()
    no_sideways_scroll(as_reviewer, width)
    assert axe_violations(as_reviewer, axe_path) == []
    link.click()
    expect(as_reviewer).to_have_url(re.compile(rf"/use-cases/{use_case.pk}/#comment-{comment.pk}$"))
    expect(as_reviewer.locator(f"#comment-{comment.pk} .mention")).to_have_text("@Rafa Ortiz")
    no_sideways_scroll(as_reviewer, width)
    as_reviewer.goto(f"{base}/o/{org.slug}/")
    expect(as_reviewer.locator("#queue-mentions")).to_contain_text("0")
