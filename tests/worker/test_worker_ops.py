"""A real worker process as production runs it (prefork pool, JSON logs, metrics server):
it reports itself for /readyz, logs a task with the request id of the request that queued it,
and its metrics server counts the run.

Needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL), like the other worker tests.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from ops import health, requestid
from tests.ops.conftest import closed_port
from tests.worker.own_services import send_tasks_to
from tests.worker.test_worker import WAIT_SECONDS, _database_url, _require, _stop, _wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder

TOKEN = "worker-scrape-token"


def _scrape(port: int, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_a_real_worker_reports_itself_logs_the_request_id_and_counts_its_tasks(
    tmp_path, client, monkeypatch
):
    import os

    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(connection.vendor == "postgresql", "a worker process needs PostgreSQL")
    assert redis_url is not None
    queue = f"test-ops-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    port = closed_port()
    (tmp_path / "prom").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "LOG_FORMAT": "json",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "WORKER_METRICS_PORT": str(port),
        "METRICS_TOKEN": TOKEN,
        "METRICS_ALLOWED_NETWORKS": "",
    }
    log = tmp_path / "worker.log"
    from config.celery import app
    from webhooks.tasks import retry_due

    restore = send_tasks_to(app, redis_url)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
                f"--pidfile={tmp_path / 'w.pid'}", "-n", node, "-Q", queue,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        monkeypatch.setattr(settings, "REDIS_URL", redis_url)
        with Connection(redis_url) as broker:
            _wait_until_ready(app, broker, node, process, log)

            # The worker reports itself within a heartbeat or two; /readyz then says ready.
            deadline = time.monotonic() + WAIT_SECONDS
            seen = None
            while seen is None and time.monotonic() < deadline:
                seen = health.redis_client().zscore(health.WORKERS_KEY, node)
                time.sleep(0.5)
            assert seen is not None and time.time() - seen < 30, log.read_text()
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.json()

            # A task queued during a request carries the request's id into the worker's log.
            token = requestid.bind("req-through-the-broker-1")
            try:
                retry_due.apply_async(queue=queue, connection=broker)
            finally:
                requestid.unbind(token)

        deadline = time.monotonic() + WAIT_SECONDS
        done: list[dict] = []
        while not done and time.monotonic() < deadline:
            time.sleep(0.25)
            for line in log.read_text().splitlines():
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if (
                        "retry_due" in record.get("message", "")
                        and "succeeded" in record["message"]
                    ):
                        done.append(record)
        assert done, f"the task did not run:\n{log.read_text()}"
        assert done[0]["request_id"] == "req-through-the-broker-1"

        assert _scrape(port, None)[0] == 401
        status, body = _scrape(port, TOKEN)
        assert status == 200
        assert (
            'readiness_task_runs_total{outcome="succeeded",task="webhooks.tasks.retry_due"} 1.0'
            in body
        ), body
        assert 'readiness_task_duration_seconds_count{task="webhooks.tasks.retry_due"} 1.0' in body
    finally:
        restore()
        _stop(process)
        health.redis_client().zrem(health.WORKERS_KEY, node)
        with contextlib.suppress(FileNotFoundError):
            (tmp_path / "w.pid").unlink()
    assert process.poll() is not None
