"""/healthz is liveness (no database, no broker); /readyz names the state of the database, its
migrations, the broker and the workers, and answers 503 unless all four are ready."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from ops import health
from tests.ops.conftest import closed_port


def test_healthz_answers_without_asking_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_while_the_database_and_the_broker_are_down(
    client, database_down, settings
):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ready_in_process_mode(client, db, settings):
    settings.REDIS_URL = None  # a laptop: tasks run in-process, there is no broker to wait for
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert {k: body[k]["status"] for k in ("database", "migrations", "broker", "worker")} == {
        "database": "ok",
        "migrations": "ok",
        "broker": "ok",
        "worker": "ok",
    }


def test_readyz_ready_with_a_broker_and_a_worker_seen(client, db, redis_url, workers_key):
    health.worker_seen("worker@test")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["broker"] == {"status": "ok", "mode": "redis"}
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["node"] == "worker@test"


def test_readyz_503_when_the_database_is_unreachable(client, database_down, settings):
    settings.REDIS_URL = None
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.json()
    assert body["status"] == "not ready"
    assert body["database"]["status"] == "down"
    assert body["database"]["error"] == "OperationalError"
    assert body["migrations"]["status"] == "unknown"


def test_readyz_503_when_migrations_are_pending(client, db, settings):
    settings.REDIS_URL = None
    # Forget that the newest migration of one app was applied (rolled back with the test).
    newest = sorted(MigrationLoader(connection).graph.leaf_nodes())[0]
    MigrationRecorder(connection).record_unapplied(*newest)
    response = client.get("/readyz")
    assert response.status_code == 503
    migrations = response.json()["migrations"]
    assert migrations["status"] == "pending"
    assert migrations["pending"] >= 1
    assert migrations["first"] == f"{newest[0]}.{newest[1]}"


def test_readyz_503_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == {"status": "down", "mode": "redis", "error": "ConnectionError"}
    assert body["worker"]["status"] == "unknown"
    assert body["database"]["status"] == "ok"


def test_readyz_503_when_no_worker_was_ever_seen(client, db, redis_url, workers_key):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "none"


def test_readyz_503_when_the_last_worker_was_seen_too_long_ago(
    client, db, redis_url, workers_key, settings
):
    settings.READYZ_WORKER_SEEN_SECONDS = 60
    health.redis_client().zadd(workers_key, {"worker@old": time.time() - 300})
    response = client.get("/readyz")
    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["status"] == "stale"
    assert worker["node"] == "worker@old"
    assert worker["seen_seconds_ago"] >= 299


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_are_not_cached(client, db, settings, path):
    settings.REDIS_URL = None
    assert "no-store" in client.get(path)["Cache-Control"]
