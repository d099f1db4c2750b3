"""The organization's audit trail in a real browser, with the demo data.

An org admin opens it from the Settings menu, narrows it to a range of days, and downloads the
CSV and the JSON: both carry the records and the latest signed checkpoint, and the JSON
verifies. Screenshots go to $SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from readiness.audit.verify import verify_export
from readiness.models import AuditEvent, Organization
from readiness.services import audit_checkpoint_create
from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)
        page.screenshot(path=f"{folder}/{name}-top.png")


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    seed_demo()
    audit_checkpoint_create(organization=Organization.objects.get(slug="demo"))


def test_admin_filters_and_exports_the_trail(page: Page, live_server, demo, axe_path):
    base = live_server.url
    sign_in(page, base, "admin@demo.example")
    page.goto(f"{base}/o/demo/use-cases/")
    page.get_by_role("navigation", name="Main").get_by_text("Settings", exact=True).click()
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail", level=1)).to_be_visible()
    total = AuditEvent.objects.filter(organization__slug="demo").count()
    expect(page.get_by_text(f"{total} records.")).to_be_visible()
    expect(page.get_by_text("Latest checkpoint", exact=True)).to_be_visible()
    shot(page, "audit-trail")
    assert axe_violations(page, axe_path) == []

    today = timezone.localdate().isoformat()
    page.get_by_label("From", exact=True).fill(today)
    page.get_by_label("To", exact=True).fill(today)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("in the chosen days")).to_be_visible()
    assert f"since={today}" in page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"demo-audit-{today}_to_{today}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert rows[0][0] == "Sequence"
    assert any(row and row[0] == "latest" for row in rows)

    page.get_by_role("link", name="All days").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export JSON").click()
    data = json.loads(Path(download_info.value.path()).read_text("utf-8"))
    assert len(data["records"]) == total
    assert data["checkpoint"]["sequence"] == total
    assert verify_export(data).intact

    page.get_by_label("From", exact=True).fill("2026-05-02")
    page.get_by_label("To", exact=True).fill("2026-05-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("must be on or after its start")
    shot(page, "audit-trail-error")
