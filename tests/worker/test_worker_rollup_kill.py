"""Fast recovery: a worker killed (SIGKILL, the whole process group) in the middle of a roll-up
leaves its periods leased; the lease is short and was being renewed, so a new worker takes them
again within about one lease, and the figures converge within two minutes.

The first worker is made slow on purpose (each batch sleeps before it computes), so the kill
lands mid-roll-up every time; it also shows the lease renewed while the batch runs. The test
plays beat: it sends ``rollup_pending`` at the interval the settings give beat. It prints the
measured convergence time. Needs Redis (REDIS_URL) and PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from metrics import rollups
from metrics.models import DirtyPeriod, Rollup
from metrics.services import samples_ingest
from tests.factories import make_org, make_use_case
from tests.metrics.ingest_support import iso, measured
from tests.worker.own_services import send_tasks_to
from tests.worker.test_worker import WAIT_SECONDS, _database_url, _require, _stop, _wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)  # marked worker by its folder

CONVERGE_WITHIN = 120.0  # seconds, after the kill

# The first worker's settings: the project's own, and each roll-up batch marks that it started
# and then sleeps, so that the test kills it while it holds its leases.
SLOW_SETTINGS = textwrap.dedent(
    """
    import os
    import time
    from celery.signals import worker_process_init
    from config.settings import *  # noqa: F403

    def _slow_rollups(**_):
        from metrics.rollups import jobs
        real = jobs.compute
        def slow(*args, **kwargs):
            with open(os.environ["ROLLUP_STARTED_FILE"], "a") as marker:
                marker.write("started\\n")
            time.sleep(600)
            return real(*args, **kwargs)
        jobs.compute = slow

    worker_process_init.connect(_slow_rollups, weak=False)
    """
)


def _start_worker(tmp_path: Path, name: str, queue: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    log = tmp_path / f"{name}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=prefork", "--concurrency=1", "--loglevel=INFO",
                f"--pidfile={tmp_path / (name + '.pid')}", "-n", f"{name}-{queue}@localhost",
                "-Q", queue,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole, children included
        )  # fmt: skip
    return process, log, f"{name}-{queue}@localhost"


def _leases() -> list[dt.datetime]:
    return list(
        DirtyPeriod.objects.filter(claimed_until__isnull=False).values_list(
            "claimed_until", flat=True
        )
    )


def _figures() -> dict[tuple[str, dt.date, int], tuple[int, float, float | None]]:
    return {
        (r.period, r.period_start, r.metric_id): (r.count, round(r.sum, 6), r.max)
        for r in Rollup.objects.all()
    }


def test_figures_converge_within_two_minutes_after_a_worker_is_killed_mid_rollup(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    _require(bool(redis_url), "REDIS_URL is not set: the worker test needs Redis")
    _require(connection.vendor == "postgresql", "a worker process needs PostgreSQL")
    assert redis_url is not None
    beat_every = float(settings.CELERY_BEAT_SCHEDULE["metrics-rollup"]["schedule"])  # type: ignore[arg-type]
    assert beat_every <= 60
    assert settings.METRICS_ROLLUP_LEASE_SECONDS <= 90

    org, admin = make_org("Kill Test Org")
    use_case = make_use_case(org, admin, name="Killed mid roll-up")
    base = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    samples = [
        measured(
            use_case,
            value=100 + i,
            timestamp=iso(base - dt.timedelta(days=i % 10, minutes=i)),
            client_id=f"k{i}",
        )
        for i in range(200)
    ]
    samples_ingest(actor=admin, organization=org, samples=samples)
    assert DirtyPeriod.objects.exists() and not Rollup.objects.exists()

    (tmp_path / "slow_settings.py").write_text(SLOW_SETTINGS)
    started_file = tmp_path / "rollup-started"
    queue = f"test-kill-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
        "DEBUG": "1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url(),
        "ROLLUP_STARTED_FILE": str(started_file),
    }
    from config.celery import app
    from metrics.tasks import rollup_pending

    restore = send_tasks_to(app, redis_url)
    slow, slow_log, slow_node = _start_worker(
        tmp_path, "slow", queue, {**env, "DJANGO_SETTINGS_MODULE": "slow_settings"}
    )
    fresh = None
    try:
        with Connection(redis_url) as broker:
            _wait_until_ready(app, broker, slow_node, slow, slow_log)
            rollup_pending.apply_async(queue=queue, connection=broker)

            # The batch starts and holds its leases...
            deadline = time.monotonic() + WAIT_SECONDS
            while not started_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert started_file.exists(), f"the roll-up never started:\n{slow_log.read_text()}"
            first = max(_leases())
            assert first <= timezone.now() + dt.timedelta(
                seconds=settings.METRICS_ROLLUP_LEASE_SECONDS
            )
            # ...and renews them while it runs (every third of the lease).
            deadline = time.monotonic() + settings.METRICS_ROLLUP_LEASE_SECONDS
            while max(_leases()) <= first and time.monotonic() < deadline:
                time.sleep(0.5)
            assert max(_leases()) > first, "the running roll-up did not renew its lease"

            os.killpg(slow.pid, signal.SIGKILL)
            slow.wait(timeout=10)
            killed_at = time.monotonic()
            held = len(_leases())
            assert held > 0

            fresh, fresh_log, fresh_node = _start_worker(tmp_path, "fresh", queue, env)
            _wait_until_ready(app, broker, fresh_node, fresh, fresh_log)
            next_beat = killed_at
            converged_at = None
            while time.monotonic() - killed_at < CONVERGE_WITHIN + 30:
                if time.monotonic() >= next_beat:
                    rollup_pending.apply_async(queue=queue, connection=broker)  # as beat does
                    next_beat += beat_every
                if not DirtyPeriod.objects.exists() and Rollup.objects.exists():
                    converged_at = time.monotonic()
                    break
                time.sleep(0.5)
        assert converged_at is not None, f"no convergence:\n{fresh_log.read_text()}"
        took = converged_at - killed_at
        print(
            f"\nroll-up convergence after SIGKILL mid-roll-up: {took:.1f} s "
            f"({held} leased marks; lease {settings.METRICS_ROLLUP_LEASE_SECONDS} s, "
            f"beat every {beat_every:.0f} s)"
        )
        assert took < CONVERGE_WITHIN
    finally:
        restore()
        if slow.poll() is None:
            os.killpg(slow.pid, signal.SIGKILL)
            slow.wait(timeout=10)
        if fresh is not None:
            _stop(fresh)

    # The figures are right: the same as a recomputation from scratch.
    converged = _figures()
    assert sum(v[0] for k, v in converged.items() if k[0] == "day") == 200
    Rollup.objects.all().delete()
    rollups.mark_from_samples([use_case.pk])
    rollups.rollup_pending()
    assert _figures() == converged
