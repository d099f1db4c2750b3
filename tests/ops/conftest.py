"""Fixtures for the operations tests: a real Redis (the broker), a database that does not
answer, and a clean slate for the probes' cached state."""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections

from ops import health


def require(condition: bool, reason: str) -> None:
    """Skip without the service on a laptop; in CI (CI set) a missing service fails."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(settings) -> str:
    """The Redis of REDIS_URL (CI's, or a laptop's), set as the app's broker for the test."""
    url = os.environ.get("REDIS_URL")
    require(bool(url), "REDIS_URL is not set: this test needs a real Redis")
    assert url is not None
    settings.REDIS_URL = url
    return url


@pytest.fixture
def workers_key(monkeypatch) -> str:
    """A key of this test's own for the workers' heartbeats (other runs share the Redis)."""
    key = f"readiness:test:workers:{uuid.uuid4().hex}"
    monkeypatch.setattr(health, "WORKERS_KEY", key)
    yield key
    from ops.health import redis_client

    redis_client().delete(key)


@pytest.fixture(autouse=True)
def fresh_probe_state(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


@contextlib.contextmanager
def unreachable_database() -> Iterator[Any]:
    """Point the app's default connection at a database that does not answer: PostgreSQL on a
    closed local port, or an SQLite file in a directory that does not exist. The real
    connection (and the test's transaction on it) is put back afterwards."""
    real = connections["default"]
    broken_settings = {**real.settings_dict}
    if real.vendor == "postgresql":
        broken_settings.update(HOST="127.0.0.1", PORT=str(closed_port()))
        broken_settings["OPTIONS"] = {**broken_settings.get("OPTIONS", {}), "connect_timeout": 2}
    else:
        broken_settings.update(NAME="/nonexistent-readiness-dir/down.sqlite3")
    broken = real.__class__(broken_settings, alias="default")
    connections._connections.default = broken
    try:
        yield broken
    finally:
        broken.close()
        connections._connections.default = real


@pytest.fixture
def database_down(db):
    """The database does not answer for the whole test (see :func:`unreachable_database`)."""
    with unreachable_database() as broken:
        yield broken
