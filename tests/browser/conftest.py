"""Browser tests: headless Debian Chromium driven by Playwright against pytest-django's live
server. Every test in this folder is marked ``browser`` by tests/conftest.py.

What they need, and what happens without it:

* Chromium at /usr/bin/chromium (``apt-get install chromium``; Playwright's own download does
  not work offline). Missing: every test here is skipped with that reason.
* axe-core in node_modules (``npm ci``; ``make test`` runs it when npm is there), for the tests
  that take the ``axe_path`` fixture. Missing: those tests are skipped with that reason.

With ``CI`` set a missing tool fails the test instead, so CI cannot go green by skipping
(.ci/run also checks both before running anything).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def missing(reason: str) -> None:
    """Skip for a missing tool; in CI (``CI`` set) fail instead, naming it."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> str:
    """Session-wide and autouse, so it runs before Playwright's session fixtures launch it."""
    if not os.path.exists(CHROMIUM):
        missing(f"{CHROMIUM} not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium):
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def axe_path() -> str:
    """The path of axe.min.js for ``browser_support.axe_violations``."""
    if not AXE.exists():
        missing(f"axe-core not installed: {AXE} is missing (npm ci)")
    return str(AXE)
