"""(b) Roll-ups: 10 million samples into daily figures, next to one hand-written aggregate.

The samples (``BENCH_ROLLUP_ROWS``) are spread evenly over 90 days, in time order as a
production system sends them, over a few use cases and four metrics (two measured values
with percentiles, a rate, a count). The table is vacuumed and analysed before any timing, so
neither side pays for setting hint bits.

* The roll-up is the job itself, :func:`metrics.rollups.rollup_pending` on every day marked,
  from claiming the marks to writing the figures (count, sum, min, max, mean, p50, p95, p99,
  rates with their confidence interval) and settling the marks.
* The hand-written aggregate is the one ``GROUP BY`` anyone would write for the same figures
  over the same rows (``percentile_cont`` for the percentiles), read back to the client, with
  the server's default settings.
* The one-day refresh: new samples arrive for yesterday; the day's marks are refreshed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

from bench.report import median, stopwatch

METRICS = ("latency_ms", "token_cost", "acceptance_rate", "throughput")
DAYS = 90

HAND_SQL = """
SELECT use_case_id, metric_id, (ts AT TIME ZONE 'UTC')::date AS day,
    count(*), sum(value), min(value), max(value), avg(value),
    percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY value),
    sum(numerator), sum(denominator)
FROM metrics_sample
GROUP BY 1, 2, 3
"""


@dataclass
class Layout:
    use_case_ids: list[int]
    metrics: dict[str, tuple[int, str]]
    rows: int
    first_day: dt.date
    days: int = DAYS

    @property
    def last_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=self.days - 1)

    def day_keys(self, days: list[dt.date] | None = None) -> list[tuple[int, int, str, dt.date]]:
        days = days or [self.first_day + dt.timedelta(days=d) for d in range(self.days)]
        return [
            (uc, metric_id, "day", day)
            for uc in self.use_case_ids
            for metric_id, _ in self.metrics.values()
            for day in days
        ]


def samples_seed(
    layout: Layout, *, chunk: int = 2_000_000, progress: Callable[[str], None] = print
) -> None:
    """Write ``layout.rows`` samples with ``INSERT ... SELECT generate_series``, in chunks, into
    the month partitions of their days (made first, as the daily maintenance job would have)."""
    from metrics.ingestion import partitions

    first, last = layout.first_day, layout.last_day
    partitions.ensure_partitions(
        today=first, months_ahead=(last.year - first.year) * 12 + last.month - first.month
    )
    ucs = layout.use_case_ids
    ids = [m[0] for m in layout.metrics.values()]
    kinds = [m[1] for m in layout.metrics.values()]
    start = dt.datetime.combine(layout.first_day, dt.time(), tzinfo=dt.UTC)
    step_us = layout.days * 86_400 * 1_000_000 // layout.rows  # time between two samples
    with connection.cursor() as cursor:
        for lo in range(0, layout.rows, chunk):
            hi = min(layout.rows, lo + chunk)
            cursor.execute(
                """
                INSERT INTO metrics_sample (use_case_id, metric_id, client_id, ts, value,
                    numerator, denominator)
                SELECT (%(ucs)s::bigint[])[1 + i %% %(nuc)s],
                    (%(ids)s::bigint[])[1 + (i / %(nuc)s) %% %(nm)s],
                    'seed-' || i,
                    %(start)s::timestamptz + make_interval(secs => i * %(step)s / 1e6),
                    CASE (%(kinds)s::text[])[1 + (i / %(nuc)s) %% %(nm)s]
                        WHEN 'rate' THEN NULL
                        WHEN 'count' THEN (i %% 40)::float8
                        ELSE 50 + (hashint4(i::int) & 4095)::float8 / 2 END,
                    CASE WHEN (%(kinds)s::text[])[1 + (i / %(nuc)s) %% %(nm)s] = 'rate'
                        THEN 40 + i %% 11 END,
                    CASE WHEN (%(kinds)s::text[])[1 + (i / %(nuc)s) %% %(nm)s] = 'rate'
                        THEN 50 END
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint - 1) AS i
                """,
                {
                    "ucs": ucs,
                    "nuc": len(ucs),
                    "ids": ids,
                    "nm": len(ids),
                    "kinds": kinds,
                    "start": start,
                    "step": step_us,
                    "lo": lo,
                    "hi": hi,
                },
            )
            progress(f"  seeded {hi:,} of {layout.rows:,} samples")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) metrics_sample")


def rollups_reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE metrics_rollup, metrics_dirtyperiod")


def rollup_full(layout: Layout) -> tuple[float, int]:
    """Mark every day (not timed, ingestion does it), then time the roll-up job.

    Returns (seconds, roll-ups written)."""
    from metrics import rollups

    rollups_reset()
    rollups.mark_keys(layout.day_keys())
    with stopwatch() as elapsed:
        result = rollups.rollup_pending(periods=["day"])
    return elapsed(), result.written


def hand_aggregate() -> tuple[float, int]:
    """Time the hand-written aggregate; returns (seconds, groups)."""
    with stopwatch() as elapsed, connection.cursor() as cursor:
        cursor.execute(HAND_SQL)
        groups = len(cursor.fetchall())
    return elapsed(), groups


def one_day_refresh(layout: Layout, *, new_samples: int, round_number: int) -> float:
    """New samples for the last day arrive (not timed); time refreshing that day's roll-ups."""
    from metrics import rollups

    day = layout.last_day
    ucs = layout.use_case_ids
    ids = [m[0] for m in layout.metrics.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO metrics_sample (use_case_id, metric_id, client_id, ts, value,
                numerator, denominator)
            SELECT (%(ucs)s::bigint[])[1 + i %% %(nuc)s],
                (%(ids)s::bigint[])[1 + (i / %(nuc)s) %% %(nm)s],
                'late-' || %(round)s || '-' || i,
                %(day)s::timestamptz + make_interval(secs => (i * 7919) %% 86400),
                CASE WHEN (%(ids)s::bigint[])[1 + (i / %(nuc)s) %% %(nm)s] = ANY(%(rates)s)
                    THEN NULL ELSE 75 + i %% 300 END,
                CASE WHEN (%(ids)s::bigint[])[1 + (i / %(nuc)s) %% %(nm)s] = ANY(%(rates)s)
                    THEN 45 END,
                CASE WHEN (%(ids)s::bigint[])[1 + (i / %(nuc)s) %% %(nm)s] = ANY(%(rates)s)
                    THEN 50 END
            FROM generate_series(0, %(n)s - 1) AS i
            """,
            {
                "ucs": ucs,
                "nuc": len(ucs),
                "ids": ids,
                "nm": len(ids),
                "rates": [m[0] for m in layout.metrics.values() if m[1] == "rate"],
                "round": round_number,
                "day": dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
                "n": new_samples,
            },
        )
    rollups.mark_keys(layout.day_keys([day]))
    with stopwatch() as elapsed:
        result = rollups.rollup_pending(periods=["day"])
    if result.written == 0:
        from bench.database import BenchError

        raise BenchError("The one-day refresh rewrote no roll-up although new samples arrived.")
    return elapsed()


@dataclass
class RollupFigures:
    rollup_seconds: list[float]
    hand_seconds: list[float]
    refresh_seconds: list[float]
    rollups_written: int
    groups: int

    @property
    def rollup(self) -> float:
        return median(self.rollup_seconds)

    @property
    def hand(self) -> float:
        return median(self.hand_seconds)

    @property
    def refresh(self) -> float:
        return median(self.refresh_seconds)


def measure(layout: Layout, *, repeats: int, refreshes: int) -> RollupFigures:
    """Alternate roll-up and hand aggregate ``repeats`` times (medians are reported), then time
    ``refreshes`` one-day refreshes."""
    rollup_seconds, hand_seconds = [], []
    written = groups = 0
    for _ in range(repeats):
        seconds, written = rollup_full(layout)
        rollup_seconds.append(seconds)
        seconds, groups = hand_aggregate()
        hand_seconds.append(seconds)
    expected = len(layout.day_keys())
    if written != expected:
        from bench.database import BenchError

        raise BenchError(f"The roll-up wrote {written:,} daily figures; expected {expected:,}.")
    new_samples = max(100, layout.rows // layout.days // 100)  # 1% of a day's samples
    refresh_seconds = [
        one_day_refresh(layout, new_samples=new_samples, round_number=n) for n in range(refreshes)
    ]
    return RollupFigures(rollup_seconds, hand_seconds, refresh_seconds, written, groups)
