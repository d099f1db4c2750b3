"""The Content-Security-Policy in a real browser: key pages of the seeded demo, signed out and
as each role, load with no violation reported (the securitypolicyviolation event and Chromium's
console), and what used to be inline styles still lays out: progress bars are as wide as their
percentage and the timeline's "today" line sits where the plan day says.

Runs against pytest-django's live server with the demo data (seed_demo).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from readiness.models import UseCase
from tests.browser.browser_support import sign_in
from tests.browser.demo_data import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # marked browser by its folder

# Added before any page script runs (an init script is not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} `
    + `(${e.sourceFile || location.pathname}:${e.lineNumber})`);
});
"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    seed_demo()


class Watched:
    """A page whose CSP violations, console complaints and script errors are collected."""

    def __init__(self, browser: Browser, base: str) -> None:
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        self.page: Page = context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console: {m.text}")
                if re.search(r"Content.Security.Policy|Refused to", m.text)
                else None
            ),
        )
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))

    def visit(self, path: str) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status < 500, path
        # htmx's hx-trigger="load" partials and Chart.js drawings happen after load.
        self.page.wait_for_load_state("networkidle")
        header = response.header_value("content-security-policy") or ""
        if "script-src 'self'" not in header:
            self.problems.append(f"{path}: no CSP header")
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.problems.append(f"{path}: {violation}")


def org_pages() -> list[str]:
    uc = UseCase.objects.get(name="Claims triage assistance")
    return [
        "/",
        "/o/demo/",
        "/o/demo/portfolio/",
        "/o/demo/use-cases/",
        f"/o/demo/use-cases/{uc.pk}/",
        f"/o/demo/use-cases/{uc.pk}/timeline/",
        f"/o/demo/use-cases/{uc.pk}/spec/",
        f"/o/demo/use-cases/{uc.pk}/history/",
        f"/o/demo/use-cases/{uc.pk}/scale/",
        f"/o/demo/use-cases/{uc.pk}/report/",
        f"/o/demo/governance/use-cases/{uc.pk}/",
        "/o/demo/governance/",
        f"/o/demo/adoption/use-cases/{uc.pk}/",
        "/o/demo/metrics/scorecards/",
        f"/o/demo/metrics/use-cases/{uc.pk}/scorecard/",
        "/o/demo/reports/portfolio/",
        "/o/demo/notifications/",
        "/accounts/email/",
        "/accounts/2fa/",
        "/api/docs/",
    ]


ADMIN_PAGES = [
    "/o/demo/members/",
    "/o/demo/audit/",
    "/o/demo/webhooks/",
    "/o/demo/webhooks/new/",
    "/o/demo/metrics/upload/",
    "/o/demo/metrics/tokens/",
    "/accounts/2fa/totp/activate/",
]


def _ratio(page: Page, inner: str, outer: str) -> tuple[float, int]:
    """How far ``inner`` reaches across ``outer`` (0-100), and the pct-N class it carries."""
    found = page.evaluate(
        """([inner, outer]) => {
          const el = document.querySelector(inner), box = document.querySelector(outer);
          const a = el.getBoundingClientRect(), b = box.getBoundingClientRect();
          const pct = [...el.classList].find((c) => c.startsWith('pct-'));
          const reach = inner.includes('today') ? a.left - b.left : a.width;
          return [100 * reach / b.width, Number(pct.slice(4))];
        }""",
        [inner, outer],
    )
    return float(found[0]), int(found[1])


def test_key_pages_have_no_csp_violation(browser: Browser, live_server, demo):
    """Signed out, then as the org admin (every key page, the admin's own included) and as a
    viewer; one seeded demo for all (seeding is the slow part)."""
    base = live_server.url
    signed_out = Watched(browser, base)
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/nope/"):
        signed_out.visit(path)
    assert signed_out.problems == []
    for email, pages in (("admin", org_pages() + ADMIN_PAGES), ("viewer", org_pages())):
        watched = Watched(browser, base)
        sign_in(watched.page, base, f"{email}@demo.example")
        watched.page.wait_for_url(re.compile(r"/o/demo/|/$"))
        for path in pages:
            watched.visit(path)
        assert watched.problems == [], email


def test_widths_and_positions_follow_their_classes(browser: Browser, live_server, demo):
    """What were inline styles are classes now, and still lay the page out."""
    uc = UseCase.objects.get(name="Claims triage assistance")
    watched = Watched(browser, live_server.url)
    sign_in(watched.page, live_server.url, "pm@demo.example")
    watched.page.wait_for_url(re.compile(r"/o/demo/|/$"))
    watched.visit("/o/demo/use-cases/")
    shown, expected = _ratio(watched.page, ".progress > span[class^=pct-]", ".progress")
    assert expected > 0 and abs(shown - expected) < 1.5
    watched.visit(f"/o/demo/use-cases/{uc.pk}/timeline/")
    shown, expected = _ratio(watched.page, ".timeline-today", ".timeline")
    assert expected > 0 and abs(shown - expected) < 1.5
    assert watched.problems == []
