"""Leadership scorecards in a real browser: an executive opens the portfolio scorecard of the
demo, opens a use case, sees its charts and statuses, and downloads both exports.

Runs against pytest-django's live server with the demo data (seed_demo: 90 days of samples and
their roll-ups for five use cases; claims triage misses its acceptance-rate target).
"""

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.browser_support import axe_violations, sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


def download(page: Page, name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def test_executive_reads_the_scorecards_and_downloads_them(browser: Browser, live_server, demo):
    base = live_server.url
    page = browser.new_context(accept_downloads=True).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base, "exec@demo.example")

    page.goto(f"{base}/o/demo/metrics/scorecards/")
    expect(page.get_by_role("heading", name="Scorecards", level=1)).to_be_visible()
    rows = page.locator("table.scorecard-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5  # every demo use case (the demo grows; five have metrics)
    claims = rows.filter(has_text="Claims triage assistance")
    expect(claims.locator("td").nth(3)).to_contain_text("At risk")  # quality
    contract = rows.filter(has_text="Contract clause review")
    expect(contract.locator("td").nth(3)).to_contain_text("Not enough data")
    # The portfolio trend comes after the table (htmx) and draws its chart.
    expect(page.get_by_role("heading", name="Portfolio trend")).to_be_visible()
    expect(page.locator("canvas[data-portfolio-chart]")).to_have_attribute("data-drawn", "true")

    # Filtering by team narrows the table (htmx swaps it; the URL keeps the filter).
    page.get_by_label("Team").select_option(label="Claims operations")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"team=Claims"))
    portfolio_csv = download(page, "Download CSV").decode("utf-8-sig")
    teams = {r["Team"] for r in csv.DictReader(io.StringIO(portfolio_csv))}
    assert teams == {"Claims operations"}

    page.get_by_role("link", name=re.compile("Claims triage assistance")).click()
    expect(
        page.get_by_role("heading", name="Scorecard: Claims triage assistance", level=1)
    ).to_be_visible()
    quality = page.locator("section", has=page.get_by_role("heading", name="Quality metrics"))
    acceptance = quality.locator("tbody tr", has_text="Acceptance rate").first
    expect(acceptance).to_contain_text("At risk")
    expect(acceptance).to_contain_text("75.0%")
    canvases = page.locator("canvas[data-scorecard-chart]")
    expect(canvases).to_have_count(11)
    expect(canvases.first).to_have_attribute("data-drawn", "true")
    assert canvases.first.bounding_box()["height"] > 100

    # The screen-reader table of a chart holds the daily figures.
    chart = page.locator("figure", has=page.get_by_role("heading", name="Acceptance rate"))
    chart.locator("summary").click()
    expect(chart.locator("tbody tr").first).to_contain_text("%")

    use_case_csv = download(page, "Download CSV").decode("utf-8-sig")
    metrics = {r["Metric key"]: r for r in csv.DictReader(io.StringIO(use_case_csv))}
    assert metrics["acceptance_rate"]["Status"] == "At risk"
    book = openpyxl.load_workbook(io.BytesIO(download(page, "Download XLSX")))
    assert book.sheetnames == ["Scorecard", "Weekly figures", "Daily trend", "About these figures"]
    assert book["Daily trend"].max_row > 11 * 80
    assert errors == []


def test_scorecard_pages_have_no_axe_violations(browser: Browser, live_server, demo, axe_path):
    """Both scorecards, once their charts are drawn, pass axe-core's WCAG 2 A/AA rules."""
    from readiness.models import UseCase

    use_case = UseCase.objects.get(name="Claims triage assistance")
    page = browser.new_context().new_page()
    base = live_server.url
    sign_in(page, base, "exec@demo.example")
    page.goto(f"{base}/o/demo/metrics/scorecards/")
    expect(page.locator("canvas[data-portfolio-chart]")).to_have_attribute("data-drawn", "true")
    assert axe_violations(page, axe_path) == []
    page.goto(f"{base}/o/demo/metrics/use-cases/{use_case.pk}/scorecard/")
    charts = page.locator("canvas[data-scorecard-chart]")
    expect(charts.first).to_have_attribute("data-drawn", "true")
    assert axe_violations(page, axe_path) == []
