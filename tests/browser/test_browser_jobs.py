"""The background-jobs page in a real browser, on the demo data with one job of each kind in
trouble (a failed roll-up, a stuck upload, a failed webhook delivery): axe-core finds nothing at
1366 and 375 px, the page fits a phone without sideways scrolling, the admin reaches it from
the Settings menu, and a re-run button works. Screenshots go to $SCREENSHOT_DIR when set."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 375, "height": 812}}


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def troubled(transactional_db, settings, tmp_path):
    """The demo organization with a failed roll-up, a stuck upload and a failed delivery."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.DEBUG = True
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    seed_demo()
    from metrics import rollups
    from metrics.models import CsvUpload, Sample
    from metrics.services import csv_upload_create, metric_definition_create
    from readiness.models import Organization, UseCase, User
    from webhooks import services
    from webhooks.models import Delivery

    org = Organization.objects.get(slug="demo")
    admin = User.objects.get(email="admin@demo.example")
    use_case = UseCase.objects.get(name="Claims triage assistance")
    review = metric_definition_create(
        actor=admin,
        organization=org,
        key="review_minutes",
        name="Review minutes",
        level="quality",
        kind="measured",
        unit="min",
        direction="lower",
    )
    when = timezone.now() - dt.timedelta(hours=1)
    Sample.objects.bulk_create(
        Sample(use_case=use_case, metric=review, client_id=f"bad-{i}", ts=when, value=1e308)
        for i in range(2)
    )
    rollups.mark_from_samples([use_case.pk], metric_ids=[review.pk])
    rollups.rollup_pending()
    content = (
        "use_case,metric,timestamp,value\n"
        + "".join(f"{use_case.pk},latency_ms,{when.isoformat()},{i}\n" for i in range(40))
    ).encode()
    upload = csv_upload_create(
        actor=admin,
        organization=org,
        file=SimpleUploadedFile("weekly-latency-export-with-a-long-name.csv", content),
    )
    long_ago = timezone.now() - dt.timedelta(hours=2)
    # Processed in-process as it was created; put it back as a worker that died after the
    # first chunk would have left it.
    CsvUpload.objects.filter(pk=upload.pk).update(
        content=content,
        rows_stored=0,
        status="processing",
        rows_processed=10,
        created_at=long_ago,
        progress_at=long_ago,
    )
    endpoint = services.endpoint_create(
        actor=admin,
        organization=org,
        url="http://127.0.0.1:9/unreachable",
        events=["gate.passed"],
        description="Unreachable receiver",
    )
    delivery = services.endpoint_send_test(actor=admin, endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed",
        attempts=6,
        error="Connection refused by 127.0.0.1:9.",
        next_attempt_at=None,
    )


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_jobs_page_passes_axe_and_fits(
    browser: Browser, live_server, troubled, axe_path, size
) -> None:
    page = browser.new_context(viewport=SIZES[size]).new_page()
    sign_in(page, live_server.url, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/jobs/")
    expect(page.get_by_role("heading", name="Background jobs", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Failed roll-ups")).to_be_visible()
    expect(
        page.get_by_role(
            "progressbar", name="Rows of weekly-latency-export-with-a-long-name.csv processed"
        )
    ).to_have_attribute("aria-valuenow", "10")
    page.wait_for_load_state("networkidle")
    shot(page, f"jobs-{size}")
    assert axe_violations(page, axe_path) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]


def test_admin_opens_it_from_settings_and_retries_a_delivery(
    browser: Browser, live_server, troubled
) -> None:
    page = browser.new_context(viewport=SIZES["laptop"]).new_page()
    sign_in(page, live_server.url, "admin@demo.example")
    page.goto(f"{live_server.url}/o/demo/portfolio/")
    page.locator("details.menu-nav summary", has_text="Settings").click()
    page.get_by_role("link", name="Background jobs").click()
    expect(page).to_have_url(f"{live_server.url}/o/demo/jobs/")
    page.get_by_role("button", name="Retry webhook.test to Unreachable receiver").click()
    expect(page.get_by_text("webhook.test queued again for Unreachable receiver.")).to_be_visible()
    page.get_by_role("button", name="Re-queue weekly-latency-export-with-a-long-name.csv").click()
    expect(page.get_by_text("queued again; it resumes where it stopped.")).to_be_visible()
