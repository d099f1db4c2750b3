"""A production system sends samples with a token; a real Celery worker, fed through Redis, rolls
them up; the roll-ups appear in the shared database (the deployed path, end to end).

Like tests/test_worker.py it needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL); without them
it is skipped on a laptop and fails in CI.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from metrics.models import DirtyPeriod, Rollup
from metrics.services import api_token_create
from tests.factories import make_org, make_use_case
from tests.metrics.ingest_support import iso, post
from tests.worker.own_services import send_tasks_to
from tests.worker.test_worker import WAIT_SECONDS, _database_url, _require, _stop, _wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder


def test_real_worker_rolls_up_samples_sent_with_a_token(client, tmp_path):
    import os

    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: a worker process cannot share pytest's SQLite database",
    )
    assert redis_url is not None

    org, admin = make_org("Worker Metrics Org")
    use_case = make_use_case(org, admin, name="Worker metrics use case")
    _, token = api_token_create(actor=admin, organization=org, name="worker-test")
    when = timezone.now() - timezone.timedelta(hours=1)
    batch = [
        {
            "use_case": use_case.pk,
            "metric": "latency_ms",
            "timestamp": iso(when),
            "value": v,
            "client_id": f"l{v}",
        }
        for v in (100.0, 200.0, 300.0, 400.0)
    ] + [
        {
            "use_case": use_case.pk,
            "metric": "acceptance_rate",
            "timestamp": iso(when),
            "numerator": 45,
            "denominator": 50,
            "client_id": "a1",
        }
    ]
    response = post(client, token, batch)
    assert response.status_code == 201, response.content
    assert DirtyPeriod.objects.count() == 4 and not Rollup.objects.exists()

    queue = f"test-metrics-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "worker.log"

    from config.celery import app
    from metrics.tasks import rollup_pending

    restore = send_tasks_to(app, redis_url)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=solo", "--concurrency=1", "--loglevel=INFO",
                f"--pidfile={tmp_path / 'w.pid'}", "-n", node, "-Q", queue,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        with Connection(redis_url) as broker:
            _wait_until_ready(app, broker, node, process, log)
            rollup_pending.apply_async(queue=queue, connection=broker)

        deadline = time.monotonic() + WAIT_SECONDS
        while Rollup.objects.count() < 4 and time.monotonic() < deadline:
            if "raised unexpected" in log.read_text():
                break
            time.sleep(0.25)
        assert Rollup.objects.count() == 4, f"no roll-ups from the worker:\n{log.read_text()}"
        daily = Rollup.objects.get(period="day", metric__key="latency_ms")
        assert (daily.count, daily.min, daily.max, daily.p50) == (4, 100.0, 400.0, 250.0)
        rate = Rollup.objects.get(period="day", metric__key="acceptance_rate")
        assert (rate.successes, rate.trials, rate.rate) == (45.0, 50.0, 0.9)
        assert rate.ci_low < 0.9 < rate.ci_high
        assert not DirtyPeriod.objects.exists()
        assert "rollup_pending" in log.read_text()
    finally:
        restore()
        _stop(process)
        with contextlib.suppress(FileNotFoundError):
            (tmp_path / "w.pid").unlink()
    assert process.poll() is not None
