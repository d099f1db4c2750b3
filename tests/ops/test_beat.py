"""Beat: the schedule defined in settings is written to the database at start; one beat sends
(a second one started by mistake sends nothing, and takes over without sending a job twice);
beat's heartbeat file is what its container health check reads."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter

import pytest
from celery.app.task import Task
from django.conf import settings as django_settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app
from ops import beat, probe
from tests.ops.conftest import closed_port

pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL_JOBS = {
    name
    for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items()
    if isinstance(entry["schedule"], int | float)
}


@pytest.fixture
def sent(monkeypatch):
    """Every task beat sends, by task name, instead of a message to the broker."""
    found: Counter[str] = Counter()

    def record(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found[self.name] += 1

    def record_by_name(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        found[name] += 1

    monkeypatch.setattr(Task, "apply_async", record)
    monkeypatch.setattr(app, "send_task", record_by_name)
    return found


@pytest.fixture
def lock_key(monkeypatch, redis_url):
    key = f"readiness:test:beat-lock:{uuid.uuid4().hex}"
    monkeypatch.setattr(beat, "LOCK_KEY", key)
    yield key
    import redis

    redis.Redis.from_url(redis_url).delete(key)


@pytest.fixture
def heartbeat_files(tmp_path, settings):
    settings.BEAT_LOCK_TTL = 30
    return tmp_path


def scheduler(settings, heartbeat: str) -> beat.LockedDatabaseScheduler:
    settings.BEAT_HEARTBEAT_FILE = heartbeat
    return beat.LockedDatabaseScheduler(app=app)


def make_everything_due() -> None:
    """Every interval job due. The daily and weekly jobs are left as just run: whether one of
    them is due after a day's pause depends on the time of day the test runs."""
    now = timezone.now()
    PeriodicTask.objects.filter(interval__isnull=False).update(
        last_run_at=now - dt.timedelta(days=1)
    )
    PeriodicTask.objects.filter(crontab__isnull=False).update(last_run_at=now)


def tick_both(a, b, settings, files, n: int = 12) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        settings.BEAT_HEARTBEAT_FILE = str(files / "a")
        a.tick()
        settings.BEAT_HEARTBEAT_FILE = str(files / "b")
        b.tick()


def test_the_schedule_in_settings_is_written_to_the_database(settings, tmp_path):
    scheduler(settings, str(tmp_path / "hb"))
    names = set(PeriodicTask.objects.filter(enabled=True).values_list("name", flat=True))
    assert set(django_settings.CELERY_BEAT_SCHEDULE) <= names
    rollup = PeriodicTask.objects.get(name="metrics-rollup")
    assert rollup.task == "metrics.tasks.rollup_pending"
    assert rollup.interval.every * {"seconds": 1, "minutes": 60}[rollup.interval.period] == 30
    digest = PeriodicTask.objects.get(name="portfolio-weekly-digest")
    assert (digest.crontab.minute, digest.crontab.hour, digest.crontab.day_of_week) == (
        "0",
        "7",
        "mon",
    )


def test_a_job_no_longer_in_settings_is_disabled_at_start(settings, tmp_path):
    every = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="old-job", task="old.tasks.gone", interval=every)
    scheduler(settings, str(tmp_path / "hb"))
    assert not PeriodicTask.objects.get(name="old-job").enabled


def test_two_beats_send_each_due_job_once(settings, heartbeat_files, lock_key, sent):
    first = scheduler(settings, str(heartbeat_files / "a"))
    second = scheduler(settings, str(heartbeat_files / "b"))
    make_everything_due()
    tick_both(first, second, settings, heartbeat_files)
    assert INTERVAL_JOBS, "the schedule has interval jobs"
    expected = {django_settings.CELERY_BEAT_SCHEDULE[n]["task"] for n in INTERVAL_JOBS}
    assert dict(sent) == dict.fromkeys(expected, 1)
    roles = {p.name: p.read_text().split()[1] for p in heartbeat_files.iterdir()}
    assert sorted(roles.values()) == ["leader", "standby"]


def test_the_standby_takes_over_when_the_leader_stops_without_sending_twice(
    settings, heartbeat_files, lock_key, sent
):
    first = scheduler(settings, str(heartbeat_files / "a"))
    second = scheduler(settings, str(heartbeat_files / "b"))
    make_everything_due()
    tick_both(first, second, settings, heartbeat_files)
    leader, standby = (first, second) if first._leading else (second, first)
    assert sum(sent.values()) == len(INTERVAL_JOBS)
    leader.close()  # stops: gives the lock back
    for _ in range(6):
        settings.BEAT_HEARTBEAT_FILE = str(heartbeat_files / "standby")
        standby.tick()
    assert standby._leading
    # It read the last runs the leader saved: nothing is due again, nothing sent twice.
    assert sum(sent.values()) == len(INTERVAL_JOBS)
    assert max(sent.values()) == 1


def test_a_leader_that_dies_is_replaced_once_its_lock_runs_out(
    settings, heartbeat_files, lock_key, sent
):
    settings.BEAT_LOCK_TTL = 1
    first = scheduler(settings, str(heartbeat_files / "a"))
    second = scheduler(settings, str(heartbeat_files / "b"))
    first.tick()
    assert first._leading
    second.tick()
    assert not second._leading
    time.sleep(1.2)  # the first one died without a word: its lock runs out
    second.tick()
    assert second._leading


def test_no_beat_sends_while_the_locks_redis_does_not_answer(settings, tmp_path, redis_url, sent):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    lonely = scheduler(settings, str(tmp_path / "hb"))
    make_everything_due()
    for _ in range(5):
        lonely.tick()
    assert sum(sent.values()) == 0
    assert (tmp_path / "hb").read_text().split()[1] == "standby"


def test_the_probe_reads_the_heartbeat(tmp_path):
    path = tmp_path / "hb"
    assert probe.beat(str(path), 60)[0] is False  # never ticked
    path.write_text(f"{time.time():.0f} leader\n")
    ok, message = probe.beat(str(path), 60)
    assert ok and "leader" in message
    stale_ok, stale = probe.beat(str(path), 60, now=time.time() + 120)
    assert not stale_ok and "old" in stale
    assert probe.main(["beat", "--file", str(path), "--max-age", "60"]) == 0
    assert probe.main(["beat", "--file", str(tmp_path / "none")]) == 1
