"""Celery beat's scheduler: the schedule in the database, and one beat sending at a time.

:class:`LockedDatabaseScheduler` is django-celery-beat's ``DatabaseScheduler`` (so beat writes
nothing into the app directory, and the schedule survives restarts), with two additions:

* **One beat sends.** Each tick first takes or renews a lock in Redis (``BEAT_LOCK_TTL``
  seconds, renewed every tick, at most every ``beat_max_loop_interval``). A second beat started
  by mistake finds the lock held, sends nothing and waits; if the first one dies, the lock runs
  out and the second takes over, reading the schedule again from the database (with its
  last-run times, which are saved after every send: ``CELERY_BEAT_SYNC_EVERY = 1``), so no job
  is sent twice for one due time.
* **A heartbeat file** (``BEAT_HEARTBEAT_FILE``) touched every tick, with the beat's role
  (``leader`` or ``standby``): the container's health check reads its age (``ops.probe``).

The schedule itself is defined in settings (``CELERY_BEAT_SCHEDULE``) and written into the
database when beat starts (django-celery-beat's ``update_from_dict``); entries that settings no
longer name are disabled, so the code stays the one place a job is scheduled.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

import redis
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

LOCK_KEY = "readiness:ops:beat-lock"


class BeatLock:
    """A lock in Redis held by one beat: SET NX with a TTL, renewed only by its holder."""

    # Renew only if we still hold it (compare-and-expire, atomically).
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )

    def __init__(self, client: redis.Redis, *, ttl_seconds: int, key: str | None = None) -> None:
        self.client = client
        self.key = key or LOCK_KEY
        self.ttl_ms = int(ttl_seconds * 1000)
        self.owner = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew = client.register_script(self._RENEW)
        self.unreachable = False

    def hold(self) -> bool:
        """Take the lock if it is free, renew it if it is ours; False if another beat has it or
        Redis does not answer (then nobody can send anyway)."""
        self.unreachable = False
        try:
            if self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]):
                return True
            return bool(self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms))
        except redis.RedisError as exc:
            log.warning("beat: the lock's Redis did not answer (%s)", exc.__class__.__name__)
            self.unreachable = True
            return False

    def release(self) -> None:
        try:
            if self.client.get(self.key) == self.owner.encode():
                self.client.delete(self.key)
        except redis.RedisError:
            pass  # it runs out by itself


class LockedDatabaseScheduler(DatabaseScheduler):
    lock: BeatLock | None = None
    _leading = False
    _stood_by = False

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self._disable_unlisted()

    def _disable_unlisted(self) -> None:
        names = set(self.app.conf.beat_schedule)
        stale = PeriodicTask.objects.exclude(name__in=names).filter(enabled=True)
        for task in stale:
            log.warning("beat: %r is no longer in CELERY_BEAT_SCHEDULE; disabled", task.name)
            task.enabled = False
            task.save(update_fields=["enabled"])

    def _lock(self) -> BeatLock | None:
        if self.lock is None and settings.REDIS_URL:
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
            )
            self.lock = BeatLock(client, ttl_seconds=settings.BEAT_LOCK_TTL)
        return self.lock

    def tick(self, *args: Any, **kwargs: Any) -> float:
        lock = self._lock()
        leading = lock.hold() if lock is not None else True
        self._beat(leading)
        if not leading:
            if self._leading and lock is not None and lock.unreachable:
                log.warning("beat: Redis does not answer; sending nothing until it does")
            elif self._leading:
                log.warning("beat: lost the lock; another beat sends now (standing by)")
            self._leading = False
            self._stood_by = True
            return float(min(self.max_interval, settings.BEAT_LOCK_TTL / 3))
        if not self._leading:
            log.info("beat: holding the lock; this beat sends the periodic jobs")
            if self._stood_by:
                # Another beat sent jobs while this one waited: read the schedule again, with
                # the last-run times it saved, before sending anything.
                self.sync()
                self._schedule = self.all_as_schedule()
                self._heap = None
            self._leading = True
        return float(super().tick(*args, **kwargs))

    def populate_heap(self, *args: Any, **kwargs: Any) -> None:
        super().populate_heap(*args, **kwargs)
        # A heap built just now from the current schedule is valid. django-celery-beat flags
        # the heap invalid when it re-reads a changed schedule, and clears the flag only where
        # a heap already existed: a re-read while the heap is unbuilt (the first tick after
        # start, or after taking over) left it set, so the next tick rebuilt the heap from
        # entries older than the send just made and sent the first due job twice.
        self._heap_invalidated = False

    def _beat(self, leading: bool) -> None:
        path = settings.BEAT_HEARTBEAT_FILE
        if not path:
            return
        try:
            with open(path, "w") as fh:
                fh.write(f"{time.time():.0f} {'leader' if leading else 'standby'}\n")
        except OSError as exc:
            log.warning("beat: heartbeat file not written (%s)", exc)

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
        super().close()
