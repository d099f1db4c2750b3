"""What the probes check: the database, its migrations, the broker and a worker seen lately.

Each check returns a :class:`Check` (``ok`` and what was seen) and never raises: a probe must
answer even when everything behind it is down. Timeouts are short (a probe that hangs is as bad
as one that fails). Workers report themselves through :func:`worker_seen` (called from the
worker's heartbeat, :mod:`ops.signals`): a sorted set in the broker's Redis, node name to the
time it was last seen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

WORKERS_KEY = "readiness:ops:workers"
TIMEOUT_SECONDS = 2.0

# Once this process has seen every migration applied, it need not ask again: its code does not
# change, and applied migrations stay applied (an unapplied rollback is an operator's act that a
# restart follows).
_migrated = False


@dataclass
class Check:
    ok: bool
    status: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.detail}


def redis_client() -> redis.Redis:
    assert settings.REDIS_URL, "only called when a broker is configured"
    return redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
    )


def database() -> Check:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check(False, "down", {"error": exc.__class__.__name__, "vendor": connection.vendor})
    return Check(True, "ok", {"vendor": connection.vendor})


def migrations() -> Check:
    """``ok`` when every migration this code knows is applied; ``pending`` names how many."""
    global _migrated
    if _migrated:
        return Check(True, "ok")
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check(False, "unknown", {"error": exc.__class__.__name__})
    if plan:
        names = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
        return Check(False, "pending", {"pending": len(names), "first": names[0]})
    _migrated = True
    return Check(True, "ok")


def broker() -> Check:
    if not settings.REDIS_URL:
        return Check(True, "ok", {"mode": "in-process (no broker configured; tasks run eagerly)"})
    try:
        redis_client().ping()
    except redis.RedisError as exc:
        return Check(False, "down", {"mode": "redis", "error": exc.__class__.__name__})
    return Check(True, "ok", {"mode": "redis"})


def worker(*, broker_ok: bool) -> Check:
    """A worker seen within ``READYZ_WORKER_SEEN_SECONDS``: the freshest one, and its age."""
    if not settings.REDIS_URL:
        return Check(True, "ok", {"mode": "in-process"})
    if not broker_ok:
        return Check(False, "unknown", {"reason": "the broker is down"})
    window = settings.READYZ_WORKER_SEEN_SECONDS
    now = time.time()
    try:
        client = redis_client()
        client.zremrangebyscore(WORKERS_KEY, "-inf", now - 24 * 3600)  # forget long-gone nodes
        seen: list[tuple[bytes, float]] = client.zrevrange(  # type: ignore[assignment]
            WORKERS_KEY, 0, 0, withscores=True
        )
    except redis.RedisError as exc:
        return Check(False, "unknown", {"error": exc.__class__.__name__})
    if not seen:
        return Check(False, "none", {"reason": "no worker has reported", "window_seconds": window})
    node, at = seen[0]
    age = round(now - at, 1)
    detail = {"node": node.decode(), "seen_seconds_ago": age, "window_seconds": window}
    if age > window:
        return Check(False, "stale", detail)
    return Check(True, "ok", detail)


def worker_seen(node: str) -> None:
    """Record that this worker node is alive (called every few seconds by the worker)."""
    redis_client().zadd(WORKERS_KEY, {node: time.time()})


def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check, in order; the database's migrations are asked only when it answers."""
    db = database()
    migrated = migrations() if db.ok else Check(False, "unknown", {"reason": "database down"})
    queue = broker()
    seen = worker(broker_ok=queue.ok)
    checks = {"database": db, "migrations": migrated, "broker": queue, "worker": seen}
    return all(c.ok for c in checks.values()), {k: c.as_dict() for k, c in checks.items()}
