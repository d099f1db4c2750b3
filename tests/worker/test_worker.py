"""A real Celery worker, started as a separate process, takes a task from Redis and does its job.

Everywhere else the suite runs tasks in-process (CELERY_TASK_ALWAYS_EAGER). This test proves the
deployed path: message through the broker, worker process with its own Django and database
connection, the task's effect visible in the shared database and its email written out.

It needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL): a worker process cannot see the
SQLite database pytest keeps inside its own process. On a laptop without them it is skipped with
the reason; in CI (CI set) a missing service is a failure, never a silent skip.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from readiness import services
from readiness.models import Invitation, OutboxMessage, Role
from tests.factories import make_org
from tests.worker.own_services import send_tasks_to

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder

# Generous: a worker starting on a loaded 2-core machine (the browser tests beside it) can take
# half a minute to import; a passing test waits only as long as it needs.
WAIT_SECONDS = 90
SITE_URL = "http://readiness.test"

# The worker's settings: the project's own, plus where the file email backend writes.
# (config.settings does not read EMAIL_FILE_PATH from the environment.)
WORKER_SETTINGS = textwrap.dedent(
    """
    import os
    from config.settings import *  # noqa: F403
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
    """
)


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test database)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{db['NAME']}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)  # warm shutdown
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_until_ready(app, broker: Connection, node: str, process, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"worker exited with {process.returncode}:\n{log.read_text()}")
        if app.control.ping(destination=[node], timeout=1, connection=broker):
            return
    pytest.fail(f"worker did not answer a ping within {WAIT_SECONDS} s:\n{log.read_text()}")


def test_real_worker_sends_the_invitation_email(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: a worker process cannot share pytest's SQLite database",
    )
    assert redis_url is not None

    org, admin = make_org("Worker Test Org")
    # Create the invitation as the app does, but keep the task from running in this process
    # (tests run tasks eagerly): the worker must be the one to send it.
    with mock.patch("readiness.outbox.send") as send:
        invitation = services.invitation_create(
            actor=admin, organization=org, email="worker.invitee@example.com", role=Role.VIEWER
        )
    message = OutboxMessage.objects.get(task="readiness.tasks.send_invitation_email")
    assert message.args == [invitation.pk]
    send.assert_called_once_with(message.pk)
    assert Invitation.objects.get(pk=invitation.pk).sent_at is None

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    (tmp_path / "worker_settings.py").write_text(WORKER_SETTINGS)
    queue = f"test-worker-{uuid.uuid4().hex[:10]}"
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
        "SITE_URL": SITE_URL,
    }
    log = tmp_path / "worker.log"

    from config.celery import app
    from readiness.tasks import send_invitation_email

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
            send_invitation_email.apply_async(args=[invitation.pk], queue=queue, connection=broker)

        deadline = time.monotonic() + WAIT_SECONDS
        invitation.refresh_from_db()
        while invitation.sent_at is None and time.monotonic() < deadline:
            if "raised unexpected" in log.read_text():
                break  # the task failed in the worker; no point waiting
            time.sleep(0.25)
            invitation.refresh_from_db()
        assert invitation.sent_at is not None, f"the worker did not send it:\n{log.read_text()}"

        messages = [p.read_text() for p in mail_dir.iterdir()]
        assert len(messages) == 1, messages
        assert "To: worker.invitee@example.com" in messages[0]
        assert f"{SITE_URL}/invitations/{invitation.token}/" in messages[0]
    finally:
        restore()
        _stop(process)
        with contextlib.suppress(FileNotFoundError):
            (tmp_path / "w.pid").unlink()
    assert process.poll() is not None
