"""Marking the periods whose figures must be recomputed: the day and ISO week (UTC) of every
stored sample, upserted in key order so that two batches marking the same periods never
deadlock, and bumped (``generation``) while a job holds them so no late sample is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models.functions import TruncDate
from django.utils import timezone

from metrics import stats
from metrics.ingestion.partitions import retention_horizon
from metrics.ingestion.rows import DayKey, day_of
from metrics.models import Period, Rollup, Sample

DAY = Period.DAY.value
WEEK = Period.WEEK.value

# (use case id, metric id, period, period start)
Key = tuple[int, int, str, dt.date]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def keys_for_days(days: Iterable[DayKey]) -> list[Key]:
    """The day and week keys of (use case, metric, day number) triples, sorted."""
    keys: set[Key] = set()
    for use_case, metric, number in days:
        day = day_of(number)
        keys.add((use_case, metric, DAY, day))
        keys.add((use_case, metric, WEEK, stats.week_start(day)))
    return sorted(keys)


def mark_days(days: Iterable[DayKey]) -> int:
    """Mark the days and weeks of stored samples for recomputation (in the caller's transaction)."""
    return mark_keys(keys_for_days(days))


def mark_keys(keys: Sequence[Key]) -> int:
    """Upsert the marks, in key order (two batches marking the same periods never deadlock).

    Periods that start before the retention horizon are not marked: their month's samples are
    (or are about to be) dropped, and recomputing them from what is left would spoil roll-ups
    that were computed from all of them (a week that straddles the horizon, a correction that
    moves an old sample).
    """
    horizon = retention_horizon()
    if horizon is not None:
        keys = [key for key in keys if key[3] >= horizon]
    if not keys:
        return 0
    keys = sorted(keys)
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                """
                INSERT INTO metrics_dirtyperiod AS d
                    (use_case_id, metric_id, period, period_start, generation, marked_at)
                SELECT k.uc, k.m, k.p, k.d, 0, now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[]) AS k(uc, m, p, d)
                ORDER BY k.uc, k.m, k.p, k.d
                ON CONFLICT (use_case_id, metric_id, period, period_start)
                DO UPDATE SET generation = d.generation + 1 WHERE d.claimed_until IS NOT NULL
                """,
                [list(column) for column in zip(*keys, strict=True)],
            )
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.executemany(
                """
                INSERT INTO metrics_dirtyperiod
                    (use_case_id, metric_id, period, period_start, generation, marked_at)
                VALUES (%s, %s, %s, %s, 0, %s)
                ON CONFLICT (use_case_id, metric_id, period, period_start)
                DO UPDATE SET generation = generation + 1 WHERE claimed_until IS NOT NULL
                """,
                [(uc, m, p, d.isoformat(), now) for uc, m, p, d in keys],
            )
    return len(keys)


def mark_from_samples(
    use_case_ids: Iterable[int] | None = None, *, metric_ids: Iterable[int] | None = None
) -> int:
    """Mark every period that has samples, or a roll-up, for these use cases (None: all),
    and of these metrics only when ``metric_ids`` is given.

    Used by an on-demand recompute; a roll-up whose samples are all gone is marked too, so the
    job removes it.
    """
    samples = Sample.objects.all()
    rollups = Rollup.objects.all()
    if use_case_ids is not None:
        ids = list(use_case_ids)
        samples = samples.filter(use_case_id__in=ids)
        rollups = rollups.filter(use_case_id__in=ids)
    if metric_ids is not None:
        metrics = list(metric_ids)
        samples = samples.filter(metric_id__in=metrics)
        rollups = rollups.filter(metric_id__in=metrics)
    keys: set[Key] = set()
    for use_case, metric, day in (
        samples.annotate(day=TruncDate("ts", tzinfo=dt.UTC))
        .values_list("use_case_id", "metric_id", "day")
        .distinct()
        .order_by()
    ):
        keys.add((use_case, metric, DAY, day))
        keys.add((use_case, metric, WEEK, stats.week_start(day)))
    keys.update(rollups.values_list("use_case_id", "metric_id", "period", "period_start"))
    return mark_keys(sorted(keys))
