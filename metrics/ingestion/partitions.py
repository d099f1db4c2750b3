"""The raw samples table's monthly partitions on PostgreSQL: creating them ahead, and dropping
the ones past the retention (``METRICS_SAMPLE_RETENTION_DAYS``) while the roll-ups stay.

``metrics_sample`` is RANGE-partitioned by ``ts``: one partition per calendar month (UTC),
named ``metrics_sample_pYYYY_MM``, plus ``metrics_sample_default`` for any time no month
partition covers (normally empty). PostgreSQL allows a unique index on a partitioned table
only if it contains the partition key, so the parent has no key: each partition has its own
unique index on (use case, metric, client id), and the parent's BRIN index on ``ts`` is
inherited by every partition. A key is therefore unique *within its month* (README, Metrics).

SQLite (a laptop without ``DATABASE_URL``) keeps the plain table with its primary key; every
function here does nothing there.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from metrics.models import DirtyPeriod

log = logging.getLogger(__name__)

PARENT = "metrics_sample"
DEFAULT_PARTITION = "metrics_sample_default"
# Months created ahead of the current one (beat runs the maintenance daily; two months of
# margin survive a beat that is down for weeks).
MONTHS_AHEAD = 2
# pg_advisory_xact_lock key: one maintenance at a time (a second beat, a deploy's migrate).
_LOCK_KEY = 0x5A4D_5054  # "ZMPT"
_NAME = re.compile(r"^metrics_sample_p(\d{4})_(\d{2})$")
COLUMNS = "use_case_id, metric_id, client_id, ts, value, numerator, denominator"
# How long the drop waits for the table lock (in-flight batches) before leaving the month for
# the next run.
DROP_LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class Partition:
    name: str
    start: dt.date  # first day of the month (UTC)

    @property
    def end(self) -> dt.date:
        return add_months(self.start, 1)


@dataclass
class Dropped:
    """What :func:`drop_expired_partitions` did: the partitions dropped, and the expired ones
    left for a later run with the reason (pending roll-ups, a lock not obtained)."""

    dropped: list[str] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{PARENT}_p{month:%Y_%m}"


def _bound(day: dt.date) -> str:
    """A partition bound as a timestamptz literal at midnight UTC (safe: built from a date)."""
    return f"'{day.isoformat()} 00:00:00+00'"


def is_partitioned(cursor: CursorWrapper) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
        [PARENT],
    )
    return bool(cursor.fetchone()[0])


def month_partitions(cursor: CursorWrapper) -> list[Partition]:
    """The month partitions attached to the samples table, oldest first (not the default)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s)",
        [PARENT],
    )
    found = []
    for (name,) in cursor.fetchall():
        match = _NAME.match(name)
        if match:
            found.append(Partition(name, dt.date(int(match[1]), int(match[2]), 1)))
    return sorted(found, key=lambda p: p.start)


def create_month_partition(cursor: CursorWrapper, month: dt.date) -> int:
    """Create and attach the partition of ``month`` with its unique key, in the caller's
    transaction; the partition must not exist. Rows of that month found in the default
    partition move into it. Returns how many moved.

    The table is built detached (key index first) and attached last, so no session can write
    to it before it has its key; the attach creates the inherited BRIN index. The default
    partition is locked for the move, so no row of the month lands there meanwhile (the attach
    would then fail); writers to the month partitions are not blocked.
    """
    name = partition_name(month)
    start, end = _bound(month), _bound(add_months(month, 1))
    cursor.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)")
    cursor.execute(f"CREATE UNIQUE INDEX {name}_key ON {name} (use_case_id, metric_id, client_id)")
    moved = 0
    if _has_default(cursor):
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION}"  # noqa: S608 (names are ours)
            f" WHERE ts >= {start} AND ts < {end} RETURNING {COLUMNS})"
            f" INSERT INTO {name} ({COLUMNS}) SELECT {COLUMNS} FROM moved"
        )
        moved = int(cursor.rowcount)
    cursor.execute(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})"
    )
    return moved


def create_default_partition(cursor: CursorWrapper) -> None:
    cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {PARENT} DEFAULT")
    cursor.execute(
        f"CREATE UNIQUE INDEX {DEFAULT_PARTITION}_key"
        f" ON {DEFAULT_PARTITION} (use_case_id, metric_id, client_id)"
    )


def _has_default(cursor: CursorWrapper) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table"
        " WHERE partrelid = to_regclass(%s) AND partdefid <> 0)",
        [PARENT],
    )
    return bool(cursor.fetchone()[0])


def _default_months(cursor: CursorWrapper) -> set[dt.date]:
    """The months of the rows in the default partition (normally none, so a cheap scan)."""
    if not _has_default(cursor):
        return set()
    cursor.execute(
        f"SELECT DISTINCT date_trunc('month', ts AT TIME ZONE 'UTC')::date FROM {DEFAULT_PARTITION}"  # noqa: S608 (our name)
    )
    return {row[0] for row in cursor.fetchall()}


def ensure_partitions(
    *, months_ahead: int = MONTHS_AHEAD, today: dt.date | None = None
) -> list[str]:
    """Make sure the partitions of the current month (UTC) and the next ``months_ahead`` exist,
    and one for every month that has rows in the default partition (samples of a month that
    had no partition when they came: stored before the first run after a long pause, seeded
    for past months, or loaded by hand); return the names created. Idempotent; two runs at
    once take turns (advisory lock), so neither fails. Nothing on SQLite or unpartitioned.
    """
    if connection.vendor != "postgresql":
        return []
    first = month_start(today or timezone.now().astimezone(dt.UTC).date())
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor):
            return []
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        existing = {p.start for p in month_partitions(cursor)}
        wanted = {add_months(first, offset) for offset in range(months_ahead + 1)}
        for month in sorted(wanted | _default_months(cursor)):
            if month in existing:
                continue
            moved = create_month_partition(cursor, month)
            created.append(partition_name(month))
            log.info(
                "sample partition created: %s (%s rows moved from the default partition)",
                partition_name(month),
                moved,
                extra={
                    "event": "metrics.sample_partition.created",
                    "partition": created[-1],
                    "moved": moved,
                },
            )
    return created


def retention_days() -> int:
    """``METRICS_SAMPLE_RETENTION_DAYS``; 0 keeps raw samples forever."""
    return max(0, int(getattr(settings, "METRICS_SAMPLE_RETENTION_DAYS", 0)))


def retention_horizon(now: dt.datetime | None = None) -> dt.date | None:
    """The first day of the oldest month whose samples are kept (None: kept forever).

    Roll-up periods that start before it may have lost samples to a dropped partition: the
    roll-up marking skips them, so their roll-ups are never recomputed from a partial month.
    """
    days = retention_days()
    if not days:
        return None
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return month_start(cutoff.astimezone(dt.UTC).date())


def _pending_marks(partition: Partition) -> int:
    """Roll-up marks of periods that read samples of the partition's month (a week that starts
    up to six days before the month reads its first days)."""
    return (
        DirtyPeriod.objects.filter(
            period_start__lt=partition.end,
            period_start__gte=partition.start - dt.timedelta(days=6),
        )
        .exclude(period="day", period_start__lt=partition.start)
        .count()
    )


def drop_expired_partitions(*, now: dt.datetime | None = None) -> Dropped:
    """Drop every month partition whose whole month is older than the retention; the roll-ups
    (``metrics_rollup``) stay. Nothing when the retention is 0, on SQLite, or unpartitioned.

    A month with roll-up marks still pending is left for a later run (logged), since rolling
    it up after the drop would compute its periods from nothing. The marks are checked under
    an exclusive lock of the samples table, taken before the drop: no batch writing to (or
    correcting a sample of) that month is in flight, so no mark can appear between the check
    and the drop. The lock waits at most ``DROP_LOCK_TIMEOUT`` for batches in flight; past it,
    the month waits for the next run. Each drop is logged (``metrics.sample_partition.dropped``);
    the table is global, so there is no organization to audit it to.
    """
    result = Dropped()
    horizon = retention_horizon(now)
    if horizon is None or connection.vendor != "postgresql":
        return result
    with connection.cursor() as cursor:
        if not is_partitioned(cursor):
            return result
        expired = [p for p in month_partitions(cursor) if p.end <= horizon]
    for partition in expired:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
                pending = _pending_marks(partition)
                if pending:
                    result.waiting[partition.name] = f"{pending} roll-up period(s) pending"
                    log.warning(
                        "sample partition %s is past the retention but not dropped:"
                        " %s roll-up period(s) of it are pending",
                        partition.name,
                        pending,
                        extra={
                            "event": "metrics.sample_partition.drop_waits",
                            "partition": partition.name,
                            "pending_periods": pending,
                        },
                    )
                    continue
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [partition.name],
                )
                estimate = int(cursor.fetchone()[0])
                cursor.execute(f"DROP TABLE {partition.name}")
        except OperationalError as exc:  # the lock timed out: batches in flight
            result.waiting[partition.name] = f"table lock not obtained ({exc.__class__.__name__})"
            log.warning(
                "sample partition %s is past the retention but not dropped: %s",
                partition.name,
                result.waiting[partition.name],
                extra={"event": "metrics.sample_partition.drop_waits", "partition": partition.name},
            )
            continue
        result.dropped.append(partition.name)
        log.info(
            "sample partition dropped: %s (%s to %s, about %s rows; retention %s days)",
            partition.name,
            partition.start,
            partition.end,
            max(estimate, 0),
            retention_days(),
            extra={
                "event": "metrics.sample_partition.dropped",
                "partition": partition.name,
                "month": partition.start.isoformat(),
                "rows_estimate": max(estimate, 0),
                "retention_days": retention_days(),
            },
        )
    return result
