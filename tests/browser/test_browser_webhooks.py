"""Webhooks and the leadership report in a real browser, with the demo data.

An org admin registers an endpoint (a real local receiver), sends a test event, reads the
delivery log and redelivers; a member prints the portfolio report (print styles hide the chrome).
Screenshots go to $SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo
from webhooks import signing
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    # A plain-http receiver on localhost, as on a development server.
    settings.DEBUG = True
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    seed_demo()


@pytest.fixture
def receiver():
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_admin_registers_an_endpoint_tests_it_and_redelivers(
    browser: Browser, live_server, demo, receiver
) -> None:
    url, received = receiver
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "admin@demo.example")

    page.goto(f"{base}/o/demo/webhooks/")
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_role("link", name="New endpoint").click()
    page.get_by_label("URL").fill(url)
    page.get_by_label("Description").fill("Program channel")
    page.get_by_label("gate.passed — A gate was passed").check()
    page.get_by_label("incident.opened — An incident was opened").check()
    page.get_by_label("Slack-compatible message (text and blocks)").check()
    shot(page, "webhooks-new")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("heading", name="Program channel", level=1)).to_be_visible()

    page.get_by_text("Show the secret").click()
    secret = page.get_by_label("Secret (org admins only)").input_value()
    assert secret == Endpoint.objects.get().secret
    shot(page, "webhooks-endpoint")

    page.get_by_role("button", name="Send test event").click()
    expect(page.get_by_role("heading", name=re.compile("webhook.test"))).to_be_visible()
    expect(page.get_by_text("Succeeded").first).to_be_visible()
    headers, body = received[0]
    assert signing.verify(secret, body, headers[signing.HEADER])
    shot(page, "webhooks-delivery")

    page.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("Redelivery queued.")).to_be_visible()
    assert len(received) == 2
    page.get_by_role("link", name="Delivery log").first.click()
    expect(page.locator("table tbody tr")).to_have_count(2)
    shot(page, "webhooks-log")

    page.goto(f"{base}/o/demo/webhooks/")
    expect(page.locator("table tbody tr")).to_have_count(1)
    shot(page, "webhooks-list")


def test_empty_form_is_refused_with_what_to_fix(browser: Browser, live_server, demo) -> None:
    page = browser.new_context().new_page()
    sign_in(page, live_server.url, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/webhooks/new/")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("Choose at least one event to send.")).to_be_visible()
    shot(page, "webhooks-errors")
    assert not Endpoint.objects.exists()


def test_executive_prints_the_portfolio_report(browser: Browser, live_server, demo) -> None:
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "exec@demo.example")
    page.goto(f"{base}/o/demo/reports/portfolio/")
    expect(
        page.get_by_role("heading", name=re.compile("portfolio report"), level=1)
    ).to_be_visible()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()  # shown by JS
    shot(page, "report-portfolio")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()
    shot(page, "report-portfolio-print")

    with page.expect_download() as download:
        page.emulate_media(media="screen")
        page.get_by_role("link", name="Download Excel (XLSX)").click()
    assert download.value.suggested_filename.startswith("demo-portfolio-")

    page.locator("table tbody th a").first.click()
    expect(
        page.get_by_role("heading", name=re.compile("leadership report"), level=1)
    ).to_be_visible()
    shot(page, "report-use-case")
    page.emulate_media(media="print")
    shot(page, "report-use-case-print")


def test_pages_have_no_axe_violations(browser: Browser, live_server, demo, axe_path) -> None:
    """The webhooks and report pages pass axe-core's WCAG 2 A/AA rules, as every page must."""
    from readiness.models import Organization, UseCase, User
    from webhooks import services

    org = Organization.objects.get(slug="demo")
    admin = User.objects.get(email="admin@demo.example")
    endpoint = services.endpoint_create(
        actor=admin,
        organization=org,
        url="http://127.0.0.1:9/unreachable",
        events=["gate.passed"],
        description="Unreachable receiver",
    )
    delivery = services.endpoint_send_test(actor=admin, endpoint=endpoint)
    use_case = UseCase.objects.get(name="Claims triage assistance")
    page = browser.new_context().new_page()
    base = live_server.url
    sign_in(page, base, "admin@demo.example")
    problems = {}
    for path in [
        "/o/demo/webhooks/",
        "/o/demo/webhooks/new/",
        f"/o/demo/webhooks/{endpoint.pk}/",
        "/o/demo/webhooks/deliveries/",
        f"/o/demo/webhooks/deliveries/{delivery.pk}/",
        "/o/demo/reports/portfolio/",
        f"/o/demo/use-cases/{use_case.pk}/report/",
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        found = axe_violations(page, axe_path)
        if found:
            problems[path] = found
    assert problems == {}
