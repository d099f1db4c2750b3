import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine

from readiness.models import Role
from tests.factories import add_member, make_org, make_use_case
from tests.lock_order import LockOrderChecker

TESTS = Path(__file__).resolve().parent
# Every test in these folders gets the marker, so none can forget it (`make test-fast` and the
# weekday run leave them out with -m "not browser and not worker").
FOLDER_MARKERS = {"browser": "browser", "worker": "worker"}
# Playwright's fixtures: a test that takes one belongs in tests/browser/.
BROWSER_FIXTURES = {"page", "browser", "context", "browser_context_args"}


PIN_DATE = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser):
    parser.addoption(
        "--pin-date",
        metavar="YYYY-MM-DD[THH:MM[+HH:MM]]",
        default=os.environ.get("PIN_DATE") or None,
        help="run the whole session as if it were this day (noon UTC unless a time is given); "
        "the clock still ticks, so timeouts work. Also $PIN_DATE. See `make test-weekdays`.",
    )


def pinned_moment(value: str) -> dt.datetime:
    """The moment a ``--pin-date`` value names: a bare date is noon UTC, far from either
    midnight, so a run of a few minutes stays on that day."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--pin-date={value!r}: expected YYYY-MM-DD") from None
    if len(value) == 10:
        moment = moment.replace(hour=12)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def pytest_configure(config):
    value = config.getoption("--pin-date")
    if value:
        # Started before collection, so nothing computed at import sees the real day; tests that
        # freeze the clock themselves (time_machine.travel) still win inside their own block.
        traveller = time_machine.travel(pinned_moment(value), tick=True)
        traveller.start()
        config.stash[PIN_DATE] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(PIN_DATE, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    value = config.getoption("--pin-date")
    if value:
        moment = pinned_moment(value)
        return f"clock pinned to {moment:%A %Y-%m-%d %H:%M %Z} (--pin-date), ticking"
    return None


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    """Mark each test by its folder (tests/browser/, tests/worker/); refuse a browser test
    outside tests/browser/, which would run in `make test-fast` and the weekday run."""
    misplaced = []
    for item in items:
        try:
            folder = item.path.relative_to(TESTS).parts[0]
        except ValueError:
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker:
            item.add_marker(marker)
        elif BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            misplaced.append(item.nodeid)
    if misplaced:
        raise pytest.UsageError(
            "Browser tests belong in tests/browser/ (marked there): " + ", ".join(misplaced)
        )


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache, as it starts with an empty database: ids repeat
    between tests (SQLite rolls its sequences back), so an entry left by one test could name
    another test's rows."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def audit_lock_order():
    """Fail a test whose service writes or locks rows after appending its audit record (the
    order that deadlocks under concurrent writers; see tests/lock_order.py)."""
    from django.db import connection

    with LockOrderChecker(connection).installed() as checker:
        yield
    if checker.violations:
        if os.environ.get("LOCK_ORDER_REPORT"):  # survey mode: collect, do not fail
            with open(os.environ["LOCK_ORDER_REPORT"], "a") as report:
                report.writelines(f"{v}\n" for v in checker.violations)
            return
        pytest.fail(
            "Written or locked after audit_record in the same transaction (audit last, so "
            "concurrent writers cannot deadlock on the chain head):\n  "
            + "\n  ".join(dict.fromkeys(checker.violations))
        )


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
    """One member per role: the role matrix. Yields (role, user). For a matrix whose cases
    assert different things, split it with ``user_in_role`` instead of branching on the role."""
    return request.param, add_member(org, request.param)


@pytest.fixture
def user_in_role(request, org):
    """A member of ``org`` in the role the test is parametrized with, indirectly:

        @pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
        def test_allowed(user_in_role): ...
        @pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
        def test_forbidden(user_in_role): ...

    so the allowed and the forbidden side of a role matrix are separate cases, each asserting
    its own outcome (no case returns early)."""
    return add_member(org, request.param)


def roles_except(*roles: str) -> list[str]:
    """Every role but these, in the model's order: the other side of a role matrix."""
    return [r.value for r in Role if r not in roles]


WRITE_ROLES = {Role.ORG_ADMIN, Role.PROGRAM_MANAGER}
WRITE_ROLE_VALUES = [r.value for r in Role if r in WRITE_ROLES]
ADMIN_ONLY = [Role.ORG_ADMIN.value]
