"""The daily due-date reminder run by a real Celery worker from Redis, twice on one day: the
owner is told once (in the app and by email), and the second run sends nothing (needs
PostgreSQL and Redis, like test_worker.py, whose helpers it shares)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from readiness.models import DueReminder, Notification
from tests.factories import make_org, make_use_case
from tests.worker.own_services import send_tasks_to
from tests.worker.test_worker import (
    WAIT_SECONDS,
    WORKER_SETTINGS,
    _database_url,
    _require,
    _stop,
    _wait_until_ready,
)

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder


def _wait_for(count: int, log) -> None:  # type: ignore[no-untyped-def]
    """Until the worker has finished ``count`` reminder runs."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        text = log.read_text()
        if "raised unexpected" in text:
            pytest.fail(f"the task failed in the worker:\n{text}")
        if len(re.findall(r"send_due_reminders\[[^\]]+\] succeeded", text)) >= count:
            return
        time.sleep(0.25)
    pytest.fail(f"the worker did not finish {count} run(s):\n{log.read_text()}")


def test_real_worker_reminds_once_a_day(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: a worker process cannot share pytest's SQLite database",
    )
    assert redis_url is not None
    org, admin = make_org("Reminder Org")
    # Day 29 of the plan: phase 1 and its workstreams are due tomorrow.
    use_case = make_use_case(
        org, admin, name="Due tomorrow", start_date=timezone.localdate() - dt.timedelta(days=28)
    )

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    (tmp_path / "worker_settings.py").write_text(WORKER_SETTINGS)
    queue = f"test-reminders-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "worker_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = tmp_path / "worker.log"

    from config.celery import app
    from readiness.tasks import send_due_reminders

    restore = send_tasks_to(app, redis_url)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=solo", "--concurrency=1", "--loglevel=INFO",
                f"--pidfile={tmp_path / 'w.pid'}", "-n", node, "-Q", f"{queue},celery",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        with Connection(redis_url) as broker:
            _wait_until_ready(app, broker, node, process, log)
            send_due_reminders.apply_async(queue=queue, connection=broker)
            _wait_for(1, log)
            send_due_reminders.apply_async(queue=queue, connection=broker)
            _wait_for(2, log)
        notes = list(Notification.objects.filter(recipient=admin, kind="due.reminder"))
        assert len(notes) == 1, log.read_text()
        assert notes[0].title == "Due tomorrow: 14 due soon"
        assert DueReminder.objects.filter(use_case=use_case).count() == 14
        # The notification's email, queued by the worker after its commit, went out once.
        deadline = time.monotonic() + WAIT_SECONDS
        while not any(mail_dir.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.25)
        messages = [p.read_text() for p in mail_dir.iterdir()]
        assert len(messages) == 1 and "Due tomorrow: 14 due soon" in messages[0], messages
    finally:
        restore()
        _stop(process)
        with contextlib.suppress(FileNotFoundError):
            (tmp_path / "w.pid").unlink()
    assert process.poll() is not None
