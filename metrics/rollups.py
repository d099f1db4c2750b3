"""Incremental roll-ups: raw samples into daily and weekly figures per use case and metric.

**What is marked.** Ingestion marks the day and the ISO week (UTC) of every sample it stores
(:func:`mark_days`, in the ingesting transaction). Only marked periods are recomputed.

**How a job works** (:func:`rollup_pending`): it *claims* a bounded batch of marks, oldest
period first (then by primary key), with ``SELECT ... FOR UPDATE SKIP LOCKED`` and sets a lease
on them
(``claimed_until``) in a short transaction, so two jobs never claim the same mark and a mark of
a crashed job comes back when its lease ends. It then recomputes every claimed period from the
raw samples and, **in the same transaction** as the new figures, deletes each mark whose
``generation`` is still the one it claimed; the others are released for the next run.

**Why late and concurrent samples are never lost.** A batch that stores samples upserts their
marks at the end of its transaction with ``ON CONFLICT DO UPDATE SET generation = generation + 1
WHERE claimed_until IS NOT NULL``; that statement locks the mark until the batch commits even
when it changes nothing. So for a claimed mark, either the batch committed before the job read
the samples (its samples are in the figures), or it bumped the generation (the job's delete
waits for the batch's lock, then finds a new generation and keeps the mark). An unclaimed mark
is locked by the batch until it commits, and ``SKIP LOCKED`` passes it by until then. A mark
deleted by a job before the batch's upsert is simply inserted again. Days and weeks are marked
separately, so only one job at a time recomputes a given week, too.

**Idempotent.** A period whose figures come out the same (within 1e-9, relative, for sums of
floats whose order of addition may vary) is not rewritten, so ``computed_at`` keeps its value
and running a job twice changes nothing.

**How figures are computed.** On PostgreSQL, one ``INSERT ... SELECT ... GROUP BY ... ON
CONFLICT DO UPDATE`` per batch and period, reading only the time ranges of the claimed periods
(BRIN index on the timestamp). Percentiles are ``percentile_cont`` (exact; see
:mod:`metrics.stats` for the definition), rates are summed numerators over summed denominators
with their 95% Wilson interval computed in the same statement. On SQLite the same figures are
computed in Python with :mod:`metrics.stats`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from metrics import stats
from metrics.ingest import DayKey, day_of
from metrics.models import DirtyPeriod, MetricDefinition, MetricKind, Period, Rollup, Sample

DAY = Period.DAY.value
WEEK = Period.WEEK.value
PERIOD_DAYS = {DAY: 1, WEEK: 7}
# Figures compared to decide whether a roll-up changed (count is compared exactly).
FLOAT_FIGURES = (
    "sum",
    "min",
    "max",
    "mean",
    "p50",
    "p95",
    "p99",
    "successes",
    "trials",
    "rate",
    "ci_low",
    "ci_high",
)
FIGURES = ("count", *FLOAT_FIGURES)
RELATIVE_TOLERANCE = 1e-9

# (use case id, metric id, period, period start)
Key = tuple[int, int, str, dt.date]


def batch_size() -> int:
    return int(getattr(settings, "METRICS_ROLLUP_BATCH_KEYS", 2000))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "METRICS_ROLLUP_LEASE_SECONDS", 600)))


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Marking ----------------------------------------------------------------------------------


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
    """Upsert the marks, in key order (two batches marking the same periods never deadlock)."""
    if not keys:
        return 0
    keys = sorted(keys)
    with connection.cursor() as cursor:
        if _is_postgres():
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


def mark_from_samples(use_case_ids: Iterable[int] | None = None) -> int:
    """Mark every period that has samples, or a roll-up, for these use cases (None: all).

    Used by an on-demand recompute; a roll-up whose samples are all gone is marked too, so the
    job removes it.
    """
    samples = Sample.objects.all()
    rollups = Rollup.objects.all()
    if use_case_ids is not None:
        ids = list(use_case_ids)
        samples = samples.filter(use_case_id__in=ids)
        rollups = rollups.filter(use_case_id__in=ids)
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


# --- Claiming and releasing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    use_case_id: int
    metric_id: int
    period: str
    period_start: dt.date
    generation: int


def claim(
    limit: int | None = None,
    *,
    periods: Sequence[str] | None = None,
    use_case_ids: Sequence[int] | None = None,
) -> list[Claim]:
    """Take up to ``limit`` unclaimed (or expired) marks and lease them.

    Marks another job holds, or that a running batch is writing, are skipped, never waited for,
    so jobs never deadlock. The order (period start, then primary key) is a total order that
    makes each batch cover a few consecutive days: its statement then reads only those days
    (BRIN), and a full recompute reads the samples table about once in all.
    """
    now = timezone.now()
    with transaction.atomic():
        marks = DirtyPeriod.objects.select_for_update(skip_locked=True).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        )
        if periods is not None:
            marks = marks.filter(period__in=list(periods))
        if use_case_ids is not None:
            marks = marks.filter(use_case_id__in=list(use_case_ids))
        rows = list(
            marks.order_by("period_start", "id").values_list(
                "id", "use_case_id", "metric_id", "period", "period_start", "generation"
            )[: limit or batch_size()]
        )
        if rows:
            DirtyPeriod.objects.filter(id__in=[r[0] for r in rows]).update(
                claimed_until=now + lease()
            )
    return [Claim(*row) for row in rows]


def _release(claims: Sequence[Claim]) -> int:
    """Delete the marks nobody wrote to since the claim; hand the others back. Returns deleted."""
    ids = [c.id for c in claims]
    with connection.cursor() as cursor:
        if _is_postgres():
            # Lock the marks in key order, the order in which ingesting batches upsert them,
            # so that this job and a batch never wait for each other in a cycle.
            cursor.execute(
                "SELECT id FROM metrics_dirtyperiod WHERE id = ANY(%s)"
                " ORDER BY use_case_id, metric_id, period, period_start FOR UPDATE",
                [ids],
            )
            cursor.execute(
                """
                DELETE FROM metrics_dirtyperiod d
                USING unnest(%s::bigint[], %s::bigint[]) AS c(id, generation)
                WHERE d.id = c.id AND d.generation = c.generation
                """,
                [ids, [c.generation for c in claims]],
            )
            deleted = cursor.rowcount
        else:
            cursor.executemany(
                "DELETE FROM metrics_dirtyperiod WHERE id = %s AND generation = %s",
                [(c.id, c.generation) for c in claims],
            )
            deleted = cursor.rowcount
    DirtyPeriod.objects.filter(id__in=ids).update(claimed_until=None)
    return int(deleted)


# --- Computing ----------------------------------------------------------------------------------


@dataclass
class RunResult:
    claimed: int = 0
    written: int = 0
    removed: int = 0
    released: int = 0  # marks kept because new samples arrived while they were computed

    def add(self, other: RunResult) -> None:
        self.claimed += other.claimed
        self.written += other.written
        self.removed += other.removed
        self.released += other.released


def refresh(claims: Sequence[Claim]) -> RunResult:
    """Recompute the claimed periods and settle their marks, in one transaction."""
    result = RunResult(claimed=len(claims))
    if not claims:
        return result
    grouped: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        grouped[c.period].append(c)
    with transaction.atomic():
        for period, group in grouped.items():
            keys = [(c.use_case_id, c.metric_id, c.period_start) for c in group]
            written, removed = (
                _compute_sql(period, keys) if _is_postgres() else _compute_python(period, keys)
            )
            result.written += written
            result.removed += removed
        deleted = _release(claims)
    result.released = len(claims) - deleted
    return result


def rollup_pending(
    *,
    limit: int | None = None,
    max_batches: int | None = None,
    periods: Sequence[str] | None = None,
    use_case_ids: Sequence[int] | None = None,
) -> RunResult:
    """Recompute every marked period, a bounded batch at a time, until none is left.

    ``periods`` (e.g. ``["day"]``) and ``use_case_ids`` narrow what is taken; ``max_batches``
    bounds one run (the periodic job then continues where it stopped).
    """
    total = RunResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        claims = claim(limit, periods=periods, use_case_ids=use_case_ids)
        if not claims:
            break
        try:
            total.add(refresh(claims))
        except Exception:
            # Hand the marks back at once rather than when their lease ends.
            DirtyPeriod.objects.filter(id__in=[c.id for c in claims]).update(claimed_until=None)
            raise
        batches += 1
        if total.released and total.released == total.claimed:
            break  # everything keeps changing under us: let the next run continue
    return total


def _period_bounds(period: str, start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    return begin, begin + dt.timedelta(days=PERIOD_DAYS[period])


def _merged_ranges(period: str, starts: Iterable[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The time ranges covering these periods, adjacent ones merged."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for start in sorted(set(starts)):
        lo, hi = _period_bounds(period, start)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(hi, ranges[-1][1]))
        else:
            ranges.append((lo, hi))
    return ranges


_BUCKET = {
    DAY: "(s.ts AT TIME ZONE 'UTC')::date",
    WEEK: "date_trunc('week', s.ts AT TIME ZONE 'UTC')::date",
}


def _changed_sql() -> str:
    """True when any figure differs (floats: beyond the relative tolerance)."""
    parts = ["r.count IS DISTINCT FROM EXCLUDED.count"]
    for name in FLOAT_FIGURES:
        a, b = f"r.{name}", f"EXCLUDED.{name}"
        parts.append(
            f"({a} IS DISTINCT FROM {b} AND NOT coalesce("
            f"abs({a} - {b}) <= {RELATIVE_TOLERANCE} * greatest(abs({a}), abs({b})), false))"
        )
    return "\n OR ".join(parts)


_ROLLUP_SQL = """
WITH keys AS MATERIALIZED (
    SELECT k.use_case_id, k.metric_id, k.period_start, md.kind
    FROM unnest(%(uc)s::bigint[], %(m)s::bigint[], %(d)s::date[])
        AS k(use_case_id, metric_id, period_start)
    JOIN metrics_metricdefinition md ON md.id = k.metric_id
),
agg AS MATERIALIZED (
    -- The figures by group, restricted to the claimed time ranges, use cases and metrics.
    -- Values are gathered into one array per group (hash aggregation, no global sort) and
    -- each group's small array is sorted on its own for the percentiles, below: cheaper than
    -- one sort of every row, which is what a plain percentile_cont ... GROUP BY does.
    SELECT s.use_case_id, s.metric_id, {bucket} AS period_start,
        count(*) AS n,
        sum(s.value) AS total, min(s.value) AS lo, max(s.value) AS hi, avg(s.value) AS mean,
        array_agg(s.value) FILTER (WHERE s.value IS NOT NULL) AS vals,
        sum(s.numerator)::float8 AS successes, sum(s.denominator)::float8 AS trials
    FROM metrics_sample s
    WHERE ({ranges})
        AND s.use_case_id = ANY(%(use_cases)s::bigint[])
        AND s.metric_id = ANY(%(metrics)s::bigint[])
    GROUP BY 1, 2, 3
),
claimed AS MATERIALIZED (
    -- Groups that were not claimed are dropped here.
    SELECT a.use_case_id, a.metric_id, a.period_start, a.n, a.total, a.lo, a.hi, a.mean,
        a.successes, a.trials, k.kind,
        CASE WHEN k.kind = 'measured' THEN (
            SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY v)
            FROM unnest(a.vals) AS v
        ) END AS pct
    FROM agg a
    JOIN keys k ON k.use_case_id = a.use_case_id AND k.metric_id = a.metric_id
        AND k.period_start = a.period_start
),
rates AS (
    SELECT a.*, t.trials_nz, a.successes / t.trials_nz AS p
    FROM claimed a
    CROSS JOIN LATERAL (
        SELECT CASE WHEN a.kind = 'rate' THEN NULLIF(a.trials, 0) END AS trials_nz
    ) t
),
wilson AS (
    SELECT r.*,
        (r.p + %(z2)s / (2 * r.trials_nz)) / (1 + %(z2)s / r.trials_nz) AS centre,
        %(z)s * sqrt(r.p * (1 - r.p) / r.trials_nz + %(z2)s / (4 * r.trials_nz * r.trials_nz))
            / (1 + %(z2)s / r.trials_nz) AS half
    FROM rates r
),
upserted AS (
    INSERT INTO metrics_rollup AS r (
        use_case_id, metric_id, period, period_start, count, sum, min, max, mean,
        p50, p95, p99, successes, trials, rate, ci_low, ci_high, computed_at
    )
    SELECT w.use_case_id, w.metric_id, %(period)s, w.period_start, w.n,
        CASE WHEN w.kind <> 'rate' THEN w.total END,
        CASE WHEN w.kind <> 'rate' THEN w.lo END,
        CASE WHEN w.kind <> 'rate' THEN w.hi END,
        CASE WHEN w.kind <> 'rate' THEN w.mean END,
        w.pct[1], w.pct[2], w.pct[3],
        CASE WHEN w.kind = 'rate' THEN w.successes END,
        CASE WHEN w.kind = 'rate' THEN w.trials END,
        w.p,
        -- greatest/least ignore NULLs: only rates with trials have an interval.
        CASE WHEN w.half IS NOT NULL THEN greatest(0.0, w.centre - w.half) END,
        CASE WHEN w.half IS NOT NULL THEN least(1.0, w.centre + w.half) END,
        %(now)s
    FROM wilson w
    ON CONFLICT (use_case_id, metric_id, period, period_start) DO UPDATE SET
        count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
        mean = EXCLUDED.mean, p50 = EXCLUDED.p50, p95 = EXCLUDED.p95, p99 = EXCLUDED.p99,
        successes = EXCLUDED.successes, trials = EXCLUDED.trials, rate = EXCLUDED.rate,
        ci_low = EXCLUDED.ci_low, ci_high = EXCLUDED.ci_high, computed_at = EXCLUDED.computed_at
    WHERE {changed}
    RETURNING 1
),
removed AS (
    DELETE FROM metrics_rollup r
    USING keys k
    LEFT JOIN claimed a ON a.use_case_id = k.use_case_id AND a.metric_id = k.metric_id
        AND a.period_start = k.period_start
    WHERE a.use_case_id IS NULL
        AND r.use_case_id = k.use_case_id AND r.metric_id = k.metric_id
        AND r.period = %(period)s AND r.period_start = k.period_start
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM removed)
"""

# The plan that suits every batch: read the claimed time ranges through the BRIN index,
# hash-aggregate, hash-join the few thousand claimed keys. The planner cannot see how many
# keys an unnest holds, and with its guess it may pick a merge or nested-loop join that filters
# millions of row pairs; and the statement's estimated cost makes PostgreSQL JIT-compile it,
# which took longer (0.8 s, measured) than running it. These settings hold for the roll-up's
# transaction only.
_PLAN_SETTINGS = (
    "SET LOCAL enable_mergejoin = off",
    "SET LOCAL enable_nestloop = off",
    "SET LOCAL jit = off",
    # It also overestimates the number of groups (it cannot know there are few per day) and
    # would sort every row instead of hashing them.
    "SET LOCAL enable_sort = off",
    # Room for the hash aggregation's per-group arrays (about 10 MB per million samples).
    "SET LOCAL work_mem = '64MB'",
)


def rollup_statement(
    period: str, keys: Sequence[tuple[int, int, dt.date]]
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that roll up these (use case, metric, period start) keys."""
    ranges = _merged_ranges(period, (start for _, _, start in keys))
    params: dict[str, Any] = {
        "uc": [k[0] for k in keys],
        "m": [k[1] for k in keys],
        "d": [k[2] for k in keys],
        "use_cases": sorted({k[0] for k in keys}),
        "metrics": sorted({k[1] for k in keys}),
        "period": period,
        "now": timezone.now(),
        "z": stats.Z95,
        "z2": stats.Z95 * stats.Z95,
    }
    conditions = []
    for i, (lo, hi) in enumerate(ranges):
        params[f"lo{i}"], params[f"hi{i}"] = lo, hi
        conditions.append(f"(s.ts >= %(lo{i})s AND s.ts < %(hi{i})s)")
    sql = _ROLLUP_SQL.format(
        bucket=_BUCKET[period], ranges=" OR ".join(conditions), changed=_changed_sql()
    )
    return sql, params


def _compute_sql(period: str, keys: Sequence[tuple[int, int, dt.date]]) -> tuple[int, int]:
    """PostgreSQL: one statement computes, upserts and prunes the periods' roll-ups."""
    sql, params = rollup_statement(period, keys)
    with connection.cursor() as cursor:
        for setting in _PLAN_SETTINGS:
            cursor.execute(setting)
        cursor.execute(sql, params)
        written, removed = cursor.fetchone()
    return int(written), int(removed)


def figures(kind: str, samples: Iterable[tuple[Any, Any, Any]]) -> dict[str, Any] | None:
    """The roll-up figures of one period from its samples' (value, numerator, denominator).

    The Python definition of what the SQL computes; None when there are no samples.
    """
    rows = list(samples)
    if not rows:
        return None
    out: dict[str, Any] = dict.fromkeys(FLOAT_FIGURES)
    out["count"] = len(rows)
    if kind == MetricKind.RATE:
        successes = float(sum(int(r[1]) for r in rows))
        trials = float(sum(int(r[2]) for r in rows))
        out["successes"], out["trials"] = successes, trials
        if trials > 0:
            out["rate"] = successes / trials
            out["ci_low"], out["ci_high"] = stats.wilson_interval(successes, trials)  # type: ignore[misc]
        return out
    summary = stats.summarize_measured([float(r[0]) for r in rows])
    assert summary is not None
    out.update(sum=summary.sum, min=summary.min, max=summary.max, mean=summary.mean)
    if kind == MetricKind.MEASURED:
        out.update(p50=summary.p50, p95=summary.p95, p99=summary.p99)
    return out


def same_figures(rollup: Rollup, new: dict[str, Any]) -> bool:
    if rollup.count != new["count"]:
        return False
    for name in FLOAT_FIGURES:
        a, b = getattr(rollup, name), new[name]
        if a is None or b is None:
            if a is not b:
                return False
        elif a != b and abs(a - b) > RELATIVE_TOLERANCE * max(abs(a), abs(b)):
            return False
    return True


def _compute_python(period: str, keys: Sequence[tuple[int, int, dt.date]]) -> tuple[int, int]:
    """SQLite: the same figures from :func:`figures`; one read of the samples of the batch's
    time span, one bulk write."""
    wanted = set(keys)
    kinds = dict(
        MetricDefinition.objects.filter(id__in={k[1] for k in keys}).values_list("id", "kind")
    )
    existing = {
        (r.use_case_id, r.metric_id, r.period_start): r
        for r in Rollup.objects.filter(
            period=period,
            use_case_id__in={k[0] for k in keys},
            metric_id__in={k[1] for k in keys},
            period_start__in={k[2] for k in keys},
        )
    }
    lo = _period_bounds(period, min(k[2] for k in keys))[0]
    hi = _period_bounds(period, max(k[2] for k in keys))[1]
    buckets: dict[tuple[int, int, dt.date], list[tuple[Any, Any, Any]]] = defaultdict(list)
    samples = Sample.objects.filter(
        use_case_id__in={k[0] for k in keys},
        metric_id__in={k[1] for k in keys},
        ts__gte=lo,
        ts__lt=hi,
    ).values_list("use_case_id", "metric_id", "ts", "value", "numerator", "denominator")
    for use_case, metric, ts, value, numerator, denominator in samples.order_by():
        day = ts.astimezone(dt.UTC).date()
        key = (use_case, metric, day if period == DAY else stats.week_start(day))
        if key in wanted:
            buckets[key].append((value, numerator, denominator))
    now = timezone.now()
    created: list[Rollup] = []
    changed: list[Rollup] = []
    removed: list[int] = []
    for key in keys:
        new = figures(kinds.get(key[1], MetricKind.MEASURED), buckets.get(key, ()))
        current = existing.get(key)
        if new is None:
            if current is not None:
                removed.append(current.pk)
            continue
        if current is None:
            created.append(
                Rollup(
                    use_case_id=key[0],
                    metric_id=key[1],
                    period=period,
                    period_start=key[2],
                    computed_at=now,
                    **new,
                )
            )
        elif not same_figures(current, new):
            for name, value in new.items():
                setattr(current, name, value)
            current.computed_at = now
            changed.append(current)
    Rollup.objects.bulk_create(created)
    Rollup.objects.bulk_update(changed, [*FIGURES, "computed_at"])
    Rollup.objects.filter(pk__in=removed).delete()
    return len(created) + len(changed), len(removed)
