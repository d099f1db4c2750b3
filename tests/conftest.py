import os

import pytest

from readiness.models import Role
from tests.factories import add_member, make_org, make_use_case

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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium. On a laptop without it they are skipped with the
    reason; in CI (CI=true) a missing browser is a failure, never a silent skip."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def builtin_catalogs(request):
    """Transactional tests start from a flushed database, which has lost what the data
    migrations loaded (the default checklist template, framework controls, metric catalog).
    Load them again, as the migrations do, so those tests see the product as installed."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from governance import catalog
    from metrics.defaults import load_catalog

    catalog.load()
    load_catalog()


@pytest.fixture
def org(db):
    org, _ = make_org("Acme Health")
    return org


@pytest.fixture
def admin(org):
    return org.memberships.get(role=Role.ORG_ADMIN).user


@pytest.fixture
def pm(org):
    return add_member(org, Role.PROGRAM_MANAGER)


@pytest.fixture
def viewer(org):
    return add_member(org, Role.VIEWER)


@pytest.fixture
def use_case(org, pm):
    return make_use_case(org, pm, name="Triage assistance")


@pytest.fixture
def other_org(db):
    """A second tenant with its own use case; nothing in it may be reachable from ``org``."""
    other, other_admin = make_org("Globex")
    uc = make_use_case(other, other_admin, name="Globex copilot")
    return other, other_admin, uc


@pytest.fixture(params=[r.value for r in Role])
def role_member(request, org):
    """One member per role: the role matrix. Yields (role, user)."""
    return request.param, add_member(org, request.param)


WRITE_ROLES = {Role.ORG_ADMIN, Role.PROGRAM_MANAGER}
