"""A broker outage, for real: a Redis of this test's own (never the shared one) is stopped, the
app is used through its API and pages, and the follow-ups run once Redis is back.

While Redis is down, a transition, a recompute and a CSV upload answer 2xx: the change commits
and its follow-up waits in the outbox. Once Redis is back, the sweep sends the messages and a
consumer standing in for the worker runs them here (the test database is this process's):
the gate-passed emails go out, the upload is processed and rolled up.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from kombu import Connection

from metrics.models import CsvUpload, Rollup, Sample
from readiness import gate, outbox
from readiness.models import OutboxMessage
from tests.metrics.ingest_support import ago, iso
from tests.ops.conftest import require
from tests.readiness.api_support import client_for, tick_phase, uc_url
from tests.worker.own_services import forget_broker_connections, send_tasks_to

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    """A free port the system picks (never 6379, the shared Redis). Not a fixed range: runs side
    by side (the pinned days of `make test-weekdays`) would take the same port, and once this
    test stops its Redis another run's could answer on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server of this test's own, without persistence, that can be stopped and started."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    redis = OwnRedis(tmp_path)
    redis.start()
    restore = send_tasks_to(current_app, redis.url)
    try:
        yield redis
    finally:
        redis.stop()
        restore()


def _run_queued(url: str, capture) -> list[str]:  # type: ignore[no-untyped-def]
    """Stand in for the worker: take every message off the default queue and run its task here,
    until the queue is empty (tasks may queue more). Returns the task names run, in order."""
    ran: list[str] = []
    with Connection(url) as connection:
        queue = connection.SimpleQueue("celery", no_ack=True)
        try:
            while True:
                try:
                    message = queue.get(timeout=1)
                except queue.Empty:
                    return ran
                args, kwargs, _ = message.payload
                name = message.headers["task"]
                with capture(execute=True):
                    current_app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
                ran.append(name)
        finally:
            queue.close()


def test_a_broker_outage_loses_no_follow_up(
    own_redis, client, org, admin, pm, use_case, django_capture_on_commit_callbacks, monkeypatch
):
    # This test is about the broker, not the gate: only the exit criteria stand in the way.
    monkeypatch.setattr(gate, "_checks", {"readiness.exit_criteria": gate.exit_criteria_check})
    tick_phase(use_case, pm, 1)
    own_redis.stop()

    api = client_for(pm)
    with django_capture_on_commit_callbacks(execute=True):  # by the admin: the pm hears of it
        moved = client_for(admin).post(
            uc_url(use_case, "transition/"), {"expected_phase": 1}, format="json"
        )
    assert moved.status_code == 200, moved.content
    with django_capture_on_commit_callbacks(execute=True):
        recompute = api.post(
            "/api/v1/metrics/rollups/recompute/", {"use_case": use_case.pk}, format="json"
        )
    assert recompute.status_code == 202, recompute.content
    client.force_login(pm)
    text = "use_case,metric,timestamp,value,numerator,denominator,client_id\n" + "".join(
        f"{use_case.pk},latency_ms,{iso(ago(hours=2))},{800 + i},,,r{i}\n" for i in range(50)
    )
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = client.post(
            reverse("metric_upload", kwargs={"org": org.slug}),
            {"file": SimpleUploadedFile("samples.csv", text.encode(), content_type="text/csv")},
        )
    assert uploaded.status_code == 302

    # Everything committed; every follow-up waits in the outbox, none ran.
    use_case.refresh_from_db()
    assert use_case.current_phase == 2
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert set(waiting.values_list("task", flat=True)) == {
        "readiness.tasks.send_notification_email",
        "metrics.tasks.rollup_use_case",
        "metrics.tasks.process_csv_upload",
    }
    assert all(m.attempts == 1 and m.last_error for m in waiting)
    assert mail.outbox == []
    assert CsvUpload.objects.get().status == "pending"

    own_redis.start()
    forget_broker_connections(current_app)
    OutboxMessage.objects.update(created_at=ago(minutes=1))  # past the sweep's grace
    swept = outbox.sweep()
    assert swept == waiting.model.objects.count() and swept >= 3
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()

    ran = _run_queued(own_redis.url, django_capture_on_commit_callbacks)
    assert "metrics.tasks.process_csv_upload" in ran
    assert "metrics.tasks.rollup_pending" in ran  # queued by the upload, through the outbox
    assert any("passed the gate to phase 2" in m.subject for m in mail.outbox)
    assert pm.email in {m.to[0] for m in mail.outbox}
    upload = CsvUpload.objects.get()
    assert (upload.status, upload.rows_stored) == ("done", 50)
    assert Sample.objects.count() == 50
    assert Rollup.objects.filter(use_case=use_case, period="day").exists()
    assert outbox.sweep() == 0  # nothing is sent twice
