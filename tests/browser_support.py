"""Shared steps of the browser tests."""

import re

from playwright.sync_api import Page

DEMO_PASSWORD = "readiness-demo"


def sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through allauth's form as one of the demo users."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
