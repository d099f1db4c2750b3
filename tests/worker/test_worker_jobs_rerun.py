"""The background-jobs page's re-runs with a real worker: what the service queues (its outbox
message) is taken from the broker by a Celery worker process, which does the job in the shared
database. A failed roll-up, once its cause is fixed, is rolled up; a stuck upload is processed
to the end. (tests/ops/test_jobs_page.py runs the same re-runs in-process.)

Needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL), like every test in tests/worker/.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from kombu import Connection

from metrics import rollups
from metrics.models import CsvUpload, Rollup, RollupFailure, Sample
from metrics.services import (
    csv_upload_create,
    csv_upload_requeue,
    metric_definition_create,
    rollup_failure_retry,
)
from readiness.models import OutboxMessage
from tests.factories import make_org, make_use_case
from tests.worker.own_services import send_tasks_to
from tests.worker.test_worker import WAIT_SECONDS, _database_url, _require, _stop, _wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder


def _queued(task: str) -> OutboxMessage:
    """The outbox message the service wrote for ``task`` (the test sends it to its queue)."""
    return OutboxMessage.objects.filter(task=task, sent_at__isnull=True).latest("pk")


def test_re_runs_are_done_by_a_real_worker(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(connection.vendor == "postgresql", "a worker process needs PostgreSQL")
    assert redis_url is not None

    org, admin = make_org("Re-run Org")
    use_case = make_use_case(org, admin, name="Re-run me")
    review = metric_definition_create(
        actor=admin,
        organization=org,
        key="review_minutes",
        name="Review minutes",
        level="quality",
        kind="measured",
        unit="min",
        direction="lower",
    )
    when = timezone.now() - dt.timedelta(hours=1)
    Sample.objects.bulk_create(
        Sample(use_case=use_case, metric=review, client_id=f"bad-{i}", ts=when, value=1e308)
        for i in range(2)
    )
    rollups.mark_from_samples([use_case.pk])
    assert rollups.rollup_pending().failed == 2
    failure = RollupFailure.objects.get()
    Sample.objects.filter(metric=review).update(value=4.0)  # the cause is fixed

    header = "use_case,metric,timestamp,value\n"
    rows = "".join(f"{use_case.pk},latency_ms,{when.isoformat()},{i}\n" for i in range(30))
    with mock.patch("readiness.outbox.send"):  # its first message is lost: it gets stuck
        upload = csv_upload_create(
            actor=admin,
            organization=org,
            file=SimpleUploadedFile("stuck.csv", (header + rows).encode()),
        )
    long_ago = timezone.now() - dt.timedelta(hours=1)
    CsvUpload.objects.filter(pk=upload.pk).update(created_at=long_ago)

    # The re-runs, as the page calls them; their messages are sent to this test's queue.
    with mock.patch("readiness.outbox.send"):
        rollup_failure_retry(actor=admin, failure=failure)
        csv_upload_requeue(actor=admin, upload=upload)
    messages = [
        _queued("metrics.tasks.rollup_use_case"),
        _queued("metrics.tasks.process_csv_upload"),
    ]
    assert messages[0].args == [use_case.pk] and messages[1].args == [upload.pk]

    queue = f"test-rerun-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
    }
    log = tmp_path / "worker.log"
    from config.celery import app

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
            start_new_session=True,
        )  # fmt: skip
    try:
        with Connection(redis_url) as broker:
            _wait_until_ready(app, broker, node, process, log)
            for message in messages:
                app.tasks[message.task].apply_async(
                    args=message.args, queue=queue, connection=broker
                )
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                done = CsvUpload.objects.filter(pk=upload.pk, status="done").exists()
                if done and not RollupFailure.objects.exists():
                    break
                time.sleep(0.3)
    finally:
        restore()
        _stop(process)
    assert not RollupFailure.objects.exists(), log.read_text()
    assert Rollup.objects.get(metric=review, period="day").mean == 4.0
    upload.refresh_from_db()
    assert (upload.status, upload.rows_stored) == ("done", 30), log.read_text()
