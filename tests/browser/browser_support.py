"""Shared steps of the browser tests."""

import re
from pathlib import Path

from playwright.sync_api import Page

DEMO_PASSWORD = "readiness-demo"


def sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through allauth's form as one of the demo users."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def axe_violations(page: Page, axe_path: str) -> list[str]:
    """axe-core's WCAG 2 A/AA findings on the page as it is now, one line per rule: id, impact
    and the elements. ``axe_path`` is the ``axe_path`` fixture (tests/browser/conftest.py)."""
    # Evaluated through the DevTools protocol, not added as a <script> element: the pages'
    # Content-Security-Policy refuses inline scripts, and the test must not need a hole in it.
    page.evaluate(Path(axe_path).read_text())
    found = page.evaluate(
        "async () => (await axe.run()).violations.map(v => `${v.id} (${v.impact}): "
        "${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )
    return list(found)
