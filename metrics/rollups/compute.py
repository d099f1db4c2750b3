"""Computing the figures of claimed periods from the raw samples, and writing only those that
changed (within a relative 1e-9 for float sums, whose order of addition may vary).

On PostgreSQL one ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` per batch and
period computes, upserts and prunes (:func:`rollup_statement`); on SQLite :func:`figures`
computes the same figures in Python with :mod:`metrics.stats`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from metrics import stats
from metrics.models import MetricDefinition, MetricKind, Rollup, Sample
from metrics.rollups.marking import DAY, WEEK, is_postgres

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
    "std",
)
# Compared exactly, as ``count``: days of the period with samples.
INT_FIGURES = ("count", "days")
FIGURES = (*INT_FIGURES, *FLOAT_FIGURES)
RELATIVE_TOLERANCE = 1e-9


def compute(period: str, keys: Sequence[tuple[int, int, dt.date]]) -> tuple[int, int]:
    """Recompute these (use case, metric, period start) keys of one period, in the caller's
    transaction. Returns (roll-ups written, roll-ups removed)."""
    return _compute_sql(period, keys) if is_postgres() else _compute_python(period, keys)


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
# The days of a group with samples, as a bit per weekday (an aggregate that hashes, unlike
# count(DISTINCT ...), which sorts); counted by :data:`_DAYS_COUNT`.
_DAY_BITS = {
    DAY: "1",
    WEEK: "bit_or(1 << (extract(isodow FROM s.ts AT TIME ZONE 'UTC')::int - 1))",
}
_DAYS_COUNT = "length(replace(w.day_bits::bit(7)::text, '0', ''))"


def _changed_sql() -> str:
    """True when any figure differs (floats: beyond the relative tolerance)."""
    parts = [f"r.{name} IS DISTINCT FROM EXCLUDED.{name}" for name in INT_FIGURES]
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
        count(*) AS n, {day_bits} AS day_bits,
        sum(s.value) AS total, min(s.value) AS lo, max(s.value) AS hi, avg(s.value) AS mean,
        -- Youngs-Cramer since PostgreSQL 12: no cancellation of Σx² - n·mean².
        stddev_samp(s.value) AS sd,
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
    SELECT a.use_case_id, a.metric_id, a.period_start, a.n, a.day_bits, a.total, a.lo, a.hi,
        a.mean, a.sd,
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
figures AS (
    SELECT w.use_case_id, w.metric_id, w.period_start, w.n, {days_count} AS days,
        CASE WHEN w.kind <> 'rate' THEN w.total END AS sum,
        CASE WHEN w.kind <> 'rate' THEN w.lo END AS min,
        CASE WHEN w.kind <> 'rate' THEN w.hi END AS max,
        CASE WHEN w.kind <> 'rate' THEN w.mean END AS mean,
        w.pct[1] AS p50, w.pct[2] AS p95, w.pct[3] AS p99,
        CASE WHEN w.kind = 'rate' THEN w.successes END AS successes,
        CASE WHEN w.kind = 'rate' THEN w.trials END AS trials,
        w.p AS rate,
        -- greatest/least ignore NULLs: only rates with trials have an interval.
        CASE WHEN w.half IS NOT NULL THEN greatest(0.0, w.centre - w.half) END AS ci_low,
        CASE WHEN w.half IS NOT NULL THEN least(1.0, w.centre + w.half) END AS ci_high,
        CASE WHEN w.kind = 'measured' THEN coalesce(w.sd, 0.0) END AS std
    FROM wilson w
)
"""

_WRITE_SQL = """,
upserted AS (
    INSERT INTO metrics_rollup AS r (
        use_case_id, metric_id, period, period_start, count, days, sum, min, max, mean,
        p50, p95, p99, successes, trials, rate, ci_low, ci_high, std, computed_at
    )
    SELECT f.use_case_id, f.metric_id, %(period)s, f.period_start, f.n, f.days, f.sum, f.min,
        f.max, f.mean, f.p50, f.p95, f.p99, f.successes, f.trials, f.rate, f.ci_low, f.ci_high,
        f.std, %(now)s
    FROM figures f
    ON CONFLICT (use_case_id, metric_id, period, period_start) DO UPDATE SET
        count = EXCLUDED.count, days = EXCLUDED.days, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max,
        mean = EXCLUDED.mean, p50 = EXCLUDED.p50, p95 = EXCLUDED.p95, p99 = EXCLUDED.p99,
        successes = EXCLUDED.successes, trials = EXCLUDED.trials, rate = EXCLUDED.rate,
        ci_low = EXCLUDED.ci_low, ci_high = EXCLUDED.ci_high, std = EXCLUDED.std,
        computed_at = EXCLUDED.computed_at
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

# The same figures, read without writing them (figures merged into pages on read).
_READ_SQL = """
SELECT f.use_case_id, f.metric_id, f.period_start, f.n, f.days, f.sum, f.min, f.max, f.mean,
    f.p50, f.p95, f.p99, f.successes, f.trials, f.rate, f.ci_low, f.ci_high, f.std
FROM figures f
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
    period: str, keys: Sequence[tuple[int, int, dt.date]], *, write: bool = True
) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that roll up these (use case, metric, period start) keys; with
    ``write=False``, that only reads their figures (same columns as :func:`figures`)."""
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
    sql = (_ROLLUP_SQL + (_WRITE_SQL if write else _READ_SQL)).format(
        bucket=_BUCKET[period],
        day_bits=_DAY_BITS[period],
        days_count=_DAYS_COUNT,
        ranges=" OR ".join(conditions),
        changed=_changed_sql(),
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


# The columns of a read (:func:`read_figures`), in the order of _READ_SQL after the key.
_READ_COLUMNS = ("count", "days", *FLOAT_FIGURES)


def read_figures(
    period: str, keys: Sequence[tuple[int, int, dt.date]]
) -> dict[tuple[int, int, dt.date], dict[str, Any]]:
    """The figures these (use case, metric, period start) keys would get from a roll-up run
    now, computed from the raw samples without writing anything (the same statement, or the
    same Python, as :func:`compute`). A key with no samples is left out. Errors (a stored
    value beyond a float's range) are raised: the caller falls back to the stored roll-ups.
    """
    if not keys:
        return {}
    if not is_postgres():
        return {key: new for key, new in _python_figures(period, keys).items() if new is not None}
    sql, params = rollup_statement(period, keys, write=False)
    out: dict[tuple[int, int, dt.date], dict[str, Any]] = {}
    names = list(_READ_SETTINGS)
    with connection.cursor() as cursor:
        # The roll-up's plan settings for this statement only: a read may run inside a
        # caller's transaction (a gate in a transition), whose later queries must not inherit
        # them. Set, read, then put back what was there (a failed read's savepoint rollback
        # undoes them by itself).
        cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
        before = cursor.fetchone()
        cursor.execute(_SET_CONFIG, [x for n in names for x in (n, _READ_SETTINGS[n])])
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            out[(row[0], row[1], row[2])] = dict(zip(_READ_COLUMNS, row[3:], strict=True))
        cursor.execute(_SET_CONFIG, [x for n, v in zip(names, before, strict=True) for x in (n, v)])
    return out


# _PLAN_SETTINGS as names and values (constants, interpolated as names only).
_READ_SETTINGS = {
    "enable_mergejoin": "off",
    "enable_nestloop": "off",
    "jit": "off",
    "enable_sort": "off",
    "work_mem": "64MB",
}
_SET_CONFIG = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in _READ_SETTINGS)


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
    values = [float(r[0]) for r in rows]
    summary = stats.summarize_measured(values)
    assert summary is not None
    out.update(sum=summary.sum, min=summary.min, max=summary.max, mean=summary.mean)
    if kind == MetricKind.MEASURED:
        spread = stats.spread_of(values)
        out.update(
            p50=summary.p50,
            p95=summary.p95,
            p99=summary.p99,
            std=spread.std if spread is not None else None,
        )
    return out


def same_figures(rollup: Rollup, new: dict[str, Any]) -> bool:
    if any(getattr(rollup, name) != new[name] for name in INT_FIGURES if name in new):
        return False
    for name in FLOAT_FIGURES:
        a, b = getattr(rollup, name), new[name]
        if a is None or b is None:
            if a is not b:
                return False
        elif a != b and abs(a - b) > RELATIVE_TOLERANCE * max(abs(a), abs(b)):
            return False
    return True


def _python_figures(
    period: str, keys: Sequence[tuple[int, int, dt.date]]
) -> dict[tuple[int, int, dt.date], dict[str, Any] | None]:
    """SQLite: every key's figures (None: no samples), from one read of the samples of the
    keys' time span."""
    wanted = set(keys)
    kinds = dict(
        MetricDefinition.objects.filter(id__in={k[1] for k in keys}).values_list("id", "kind")
    )
    lo = _period_bounds(period, min(k[2] for k in keys))[0]
    hi = _period_bounds(period, max(k[2] for k in keys))[1]
    buckets: dict[tuple[int, int, dt.date], list[tuple[Any, Any, Any]]] = defaultdict(list)
    days_of: dict[tuple[int, int, dt.date], set[dt.date]] = defaultdict(set)
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
            days_of[key].add(day)
    out: dict[tuple[int, int, dt.date], dict[str, Any] | None] = {}
    for key in keys:
        new = figures(kinds.get(key[1], MetricKind.MEASURED), buckets.get(key, ()))
        if new is not None:
            new["days"] = len(days_of[key])
        out[key] = new
    return out


def _compute_python(period: str, keys: Sequence[tuple[int, int, dt.date]]) -> tuple[int, int]:
    """SQLite: the same figures from :func:`figures`; one read of the samples of the batch's
    time span, one bulk write."""
    existing = {
        (r.use_case_id, r.metric_id, r.period_start): r
        for r in Rollup.objects.filter(
            period=period,
            use_case_id__in={k[0] for k in keys},
            metric_id__in={k[1] for k in keys},
            period_start__in={k[2] for k in keys},
        )
    }
    computed = _python_figures(period, keys)
    now = timezone.now()
    created: list[Rollup] = []
    changed: list[Rollup] = []
    removed: list[int] = []
    for key in keys:
        new = computed[key]
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
