"""The product's error pages in a browser: a viewer refused an edit page reads which role may
and follows a link it may open; 404 and 503 pages in the product's layout; axe-clean, and no
horizontal scroll at 375 px."""

from __future__ import annotations

import re

import pytest
from django.template import loader
from playwright.sync_api import Page, expect

from readiness.models import Role
from tests.browser.browser_support import axe_violations
from tests.factories import add_member, make_org, make_use_case

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_load_state("networkidle")


def _no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_error_pages(page: Page, live_server, axe_path, settings, tmp_path):
    settings.DEBUG = False  # Django's production error handling (the 404 handler)
    org, admin = make_org("Error Pages Org")
    use_case = make_use_case(org, admin, name="Claims triage")
    viewer = add_member(org, Role.VIEWER)
    base = live_server.url
    _sign_in(page, base, viewer.email)

    # 403: the viewer opens the edit page of a use case.
    response = page.goto(f"{base}/o/{org.slug}/use-cases/{use_case.pk}/edit/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Your role does not allow this")).to_be_visible()
    expect(
        page.get_by_text("Only program managers and org admins can change this.")
    ).to_be_visible()
    assert axe_violations(page, axe_path) == []
    page.screenshot(path=str(tmp_path / "403.png"), full_page=True)
    page.get_by_role("link", name="Who the org admins are").click()
    expect(page).to_have_url(f"{base}/o/{org.slug}/members/")

    # 404
    response = page.goto(f"{base}/o/{org.slug}/use-cases/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert axe_violations(page, axe_path) == []
    page.get_by_role("link", name="Your organizations").click()
    assert page.url.rstrip("/").endswith(base.split("//", 1)[1]) or page.url.startswith(base)

    # 503 (the page the app renders when the database does not answer), served as it is.
    html = loader.get_template("503.html").render({"request_id": "abc123", "error_page": True})
    page.route(
        f"{base}/down",
        lambda route: route.fulfill(status=503, body=html, content_type="text/html"),
    )
    page.goto(f"{base}/down")
    expect(page.get_by_role("heading", name="Readiness is briefly unavailable")).to_be_visible()
    assert axe_violations(page, axe_path) == []

    # At 375 px the error card fits (the signed-in header's own overflow at that width is the
    # responsive-layout work of issue 12, not these pages'): checked on the 503 page, which
    # has no signed-in header.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/down")
    assert _no_horizontal_scroll(page)
    card = page.locator(".error-page").bounding_box()
    assert card is not None and card["x"] >= 0 and card["x"] + card["width"] <= 375
    page.screenshot(path=str(tmp_path / "503-375.png"), full_page=True)
    page.goto(f"{base}/o/{org.slug}/use-cases/{use_case.pk}/edit/")
    card = page.locator(".error-page").bounding_box()
    assert card is not None and card["x"] + card["width"] <= 375
    page.screenshot(path=str(tmp_path / "403-375.png"), full_page=True)
