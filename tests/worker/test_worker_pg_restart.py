"""PostgreSQL restarted under a running app: a cluster of this test's own (never the shared one
on 5432) is stopped with ``pg_ctl stop -m fast`` while a roll-up runs on a real Celery worker,
and started again.

What must hold, end to end:

* while the database is down, the API answers JSON 503 with ``Retry-After`` (gunicorn,
  ``DEBUG=0``, the app's own error handler), never a bare 500;
* the roll-up cut mid-transaction is retried with backoff (the worker's log says so), and once
  PostgreSQL is back the roll-ups converge to the figures the samples give (checked in SQL);
* nothing ingested is lost: every batch answered 201 is stored, and a batch refused with 503
  and sent again (as a client does on 503) is stored once;
* no notification is lost: each email task that met the outage is retried and sent once.

The app, its worker and gunicorn run on the test's own PostgreSQL and a redis-server of its own;
the test plays beat (it sends ``rollup_pending`` every few seconds, as beat would). The roll-up
lease is 15 s here (``METRICS_ROLLUP_LEASE_SECONDS``) so that a lease left by the cut roll-up
ends within the test's time; production's is 60 s.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from kombu import Connection

from tests.ops.test_broker_outage import OwnRedis
from tests.worker.own_services import (
    OwnPostgres,
    free_port,
    postgres_bin_dir,
    send_tasks_to,
)
from tests.worker.test_worker import _require, _stop, _wait_until_ready

PYTHON = sys.executable
BASE_DIR = Path(settings.BASE_DIR)
SAMPLES_PER_BATCH = 100
BATCHES_BEFORE = 4
BATCHES_DURING = 2
NOTES = 4
BEAT_EVERY = 3.0
CONVERGE_WITHIN = 60.0

# The worker's settings: the project's own, and the first roll-up batch in each worker process
# marks that it started and then sleeps, so that PostgreSQL stops while it runs.
SLOW_FIRST_ROLLUP = textwrap.dedent(
    """
    import os
    import time
    from celery.signals import worker_process_init
    from config.settings import *  # noqa: F403

    def _slow_first_rollup(**_):
        from metrics.rollups import jobs
        real = jobs.compute
        state = {"slept": False}
        def slow(*args, **kwargs):
            if not state["slept"]:
                state["slept"] = True
                with open(os.environ["ROLLUP_STARTED_FILE"], "a") as marker:
                    marker.write("started\\n")
                time.sleep(4)
            return real(*args, **kwargs)
        jobs.compute = slow

    worker_process_init.connect(_slow_first_rollup, weak=False)
    """
)

# Run once the database is migrated: an organization, a use case, an API token and some
# notifications whose emails are not sent yet (the test sends their tasks during the outage).
SEED = textwrap.dedent(
    f"""
    import json
    import django
    django.setup()
    from metrics.services import api_token_create
    from readiness.notifications import notify
    from tests.factories import make_org, make_use_case
    org, admin = make_org("Restart Org")
    use_case = make_use_case(org, admin, name="Rolled up across a restart")
    _, token = api_token_create(actor=admin, organization=org, name="restart sender")
    notes = [
        notify(organization=org, recipients=[admin], kind="gate.passed", title=f"Note {{i}}",
               email=False)[0].pk
        for i in range({NOTES})
    ]
    print(json.dumps({{"use_case": use_case.pk, "token": token, "notes": notes}}))
    """
)


def _batch(use_case: int, number: int) -> list[dict[str, Any]]:
    """A batch of latency samples spread over the last ten days, client ids unique to it."""
    import datetime as dt

    base = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    return [
        {
            "use_case": use_case,
            "metric": "latency_ms",
            "timestamp": (base - dt.timedelta(days=i % 10, minutes=number * 100 + i)).isoformat(),
            "value": 100.0 + number * 10 + i,
            "client_id": f"restart-{number}-{i}",
        }
        for i in range(SAMPLES_PER_BATCH)
    ]


def _post(base: str, token: str, body: Any) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(  # noqa: S310 (our own local server)
        f"{base}/api/v1/metrics/samples/",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode(errors="replace")
        return exc.code, dict(exc.headers), payload


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def test_a_postgresql_restart_loses_nothing_and_roll_ups_converge(tmp_path):
    bin_dir = postgres_bin_dir()
    _require(bin_dir is not None, "PostgreSQL server binaries are not installed")
    _require(shutil.which("redis-server") is not None, "redis-server is not installed")
    assert bin_dir is not None
    pg = OwnPostgres(bin_dir, database="readiness_pg_restart")
    redis = OwnRedis(tmp_path)
    processes: list[subprocess.Popen[bytes]] = []
    from config.celery import app
    from metrics.tasks import rollup_pending
    from readiness.tasks import send_notification_email

    restore = send_tasks_to(app, redis.url)
    try:
        t0 = time.monotonic()
        phases: list[str] = []

        def phase(name: str) -> None:
            phases.append(f"{name} {time.monotonic() - t0:.1f} s")

        pg.init()
        redis.start()
        phase("cluster up")
        mail_dir = tmp_path / "mail"
        mail_dir.mkdir()
        (tmp_path / "slow_first_rollup.py").write_text(SLOW_FIRST_ROLLUP)
        started_file = tmp_path / "rollup-started"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "DATABASE_URL": pg.url,
            "REDIS_URL": redis.url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "METRICS_ROLLUP_LEASE_SECONDS": "15",
            "LOG_FORMAT": "plain",
            "AUDIT_LOG_LEVEL": "WARNING",
            "ROLLUP_STARTED_FILE": str(started_file),
        }
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=BASE_DIR, env=env, check=True, timeout=120,
        )  # fmt: skip
        phase("migrated")
        seeded = subprocess.run(
            [PYTHON, "-c", SEED], cwd=BASE_DIR, env=env, check=True, timeout=60,
            capture_output=True, text=True,
        )  # fmt: skip
        plan = json.loads(seeded.stdout.strip().splitlines()[-1])
        use_case, token = plan["use_case"], plan["token"]

        web_port = free_port()
        web_log = tmp_path / "gunicorn.log"
        web_env = {
            **env,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        gunicorn = Path(PYTHON).parent / "gunicorn"
        web_command = [
            str(gunicorn), "-c", "config/gunicorn.py", "--bind", f"127.0.0.1:{web_port}",
            "--workers", "2", "config.wsgi:application",
        ]  # fmt: skip
        processes.append(_start(web_command, web_env, web_log))
        worker_log = tmp_path / "worker.log"
        node = f"pg-restart-{web_port}@localhost"
        worker_command = [
            PYTHON, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
            "--concurrency=2", "--loglevel=INFO", f"--pidfile={tmp_path / 'worker.pid'}",
            "-n", node,
        ]  # fmt: skip
        worker_env = {**env, "DJANGO_SETTINGS_MODULE": "slow_first_rollup"}
        processes.append(_start(worker_command, worker_env, worker_log))
        base = f"http://127.0.0.1:{web_port}"
        _wait_http(f"{base}/healthz", processes[0], web_log, timeout=60)
        with Connection(redis.url) as broker:
            _wait_until_ready(app, broker, node, processes[1], worker_log)
            phase("gunicorn and worker up")

            # Before: batches stored, then a roll-up starts on the worker.
            sent: dict[int, list[dict[str, Any]]] = {}
            for number in range(BATCHES_BEFORE):
                sent[number] = _batch(use_case, number)
                status, _, body = _post(base, token, sent[number])
                assert status == 201, body
            rollup_pending.apply_async(connection=broker)
            assert pg.wait_until(started_file.exists, timeout=30), worker_log.read_text()

            # PostgreSQL stops while the roll-up holds its transaction.
            pg.stop("fast")
            phase("PostgreSQL stopped")
            refused = []
            for number in range(BATCHES_BEFORE, BATCHES_BEFORE + BATCHES_DURING):
                sent[number] = _batch(use_case, number)
                status, headers, body = _post(base, token, sent[number])
                assert status == 503, body
                assert int(headers["Retry-After"]) > 0
                assert "unavailable" in body["detail"] and body["request_id"]
                refused.append(number)
            for pk in plan["notes"]:
                send_notification_email.apply_async((pk,), connection=broker)
            time.sleep(2)  # the worker meets the outage with the roll-up and the emails
            pg.start()
            phase("PostgreSQL started")

            # After: the client sends the refused batches again; beat's roll-up runs on.
            for number in refused:
                status, _, body = _post(base, token, sent[number])
                assert status == 201, body
            converged = None
            started = time.monotonic()
            next_beat = started
            while time.monotonic() - started < CONVERGE_WITHIN:
                if time.monotonic() >= next_beat:
                    rollup_pending.apply_async(connection=broker)  # as beat does
                    next_beat += BEAT_EVERY
                pending = pg.query("SELECT count(*) FROM metrics_dirtyperiod")[0][0]
                emailed = pg.query(
                    "SELECT count(*) FROM readiness_notification WHERE emailed_at IS NOT NULL"
                )[0][0]
                if pending == 0 and emailed == NOTES:
                    converged = time.monotonic() - started
                    break
                time.sleep(0.5)
            log = worker_log.read_text()
            assert converged is not None, f"no convergence:\n{log[-4000:]}"
            phase("converged")
            print(
                f"\nroll-ups and emails settled {converged:.1f} s after PostgreSQL was back"
                f" ({'; '.join(phases)})"
            )
        # The roll-up and the emails met the outage and were retried with backoff.
        for task in ("metrics.tasks.rollup_pending", "readiness.tasks.send_notification_email"):
            assert re.search(
                rf"{re.escape(task)}\[[^]]+\] retry: Retry in \d+s: Operational", log
            ), f"{task} was not retried:\n{log[-4000:]}"
        _assert_nothing_lost(pg, sent, use_case, mail_dir)
    finally:
        restore()
        for process in reversed(processes):
            _stop(process)
        redis.stop()
        pg.destroy()


def _assert_nothing_lost(
    pg: OwnPostgres, sent: dict[int, list[dict[str, Any]]], use_case: int, mail_dir: Path
) -> None:
    """Every sample sent is stored once, the roll-ups equal the samples' own figures (day and
    ISO week, in SQL), and each notification was emailed once."""
    expected_ids = {s["client_id"] for batch in sent.values() for s in batch}
    stored = {row[0] for row in pg.query("SELECT client_id FROM metrics_sample")}
    assert stored == expected_ids  # every batch, the refused ones once they were sent again
    latency = pg.query(
        "SELECT id FROM metrics_metricdefinition WHERE key = 'latency_ms' AND organization_id IS NULL"
    )[0][0]
    for period, bucket in (("day", "day"), ("week", "week")):
        figures = pg.query(
            "SELECT period_start, count, round(sum::numeric, 6) FROM metrics_rollup"
            " WHERE use_case_id = %s AND metric_id = %s AND period = %s ORDER BY 1",
            use_case,
            latency,
            period,
        )
        truth = pg.query(
            f"SELECT date_trunc('{bucket}', ts AT TIME ZONE 'UTC')::date, count(*),"  # noqa: S608
            " round(sum(value)::numeric, 6) FROM metrics_sample"
            " WHERE use_case_id = %s AND metric_id = %s GROUP BY 1 ORDER BY 1",
            use_case,
            latency,
        )
        assert figures == truth, period
    emails = list(mail_dir.iterdir())
    assert len(emails) == NOTES  # each once
    subjects = sorted(
        line for f in emails for line in f.read_text().splitlines() if line.startswith("Subject:")
    )
    assert subjects == sorted(f"Subject: [Restart Org] Note {i}" for i in range(NOTES))
