"""The roll-up job: claim a bounded batch of marks (``SKIP LOCKED``, with a lease), recompute
their periods, and settle the marks in the same transaction as the figures. See
:mod:`metrics.rollups` for why no sample is ever lost."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from metrics.models import DirtyPeriod, RollupFailure
from metrics.rollups.compute import compute
from metrics.rollups.marking import is_postgres
from readiness import events

log = logging.getLogger(__name__)


def batch_size() -> int:
    return int(getattr(settings, "METRICS_ROLLUP_BATCH_KEYS", 2000))


log = logging.getLogger(__name__)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "METRICS_ROLLUP_LEASE_SECONDS", 60)))


def run_seconds() -> float:
    return float(getattr(settings, "METRICS_ROLLUP_RUN_SECONDS", 120))


def renew(claims: Sequence[Claim]) -> int:
    """Extend the lease of the claimed marks still held (not yet settled). Returns how many.

    Marks a writer holds right now (an ingesting batch, the job settling them) are skipped,
    never waited for; the next renewal takes them. PostgreSQL only: elsewhere one process
    does everything and leases never run out under it.
    """
    if not claims or not is_postgres():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE metrics_dirtyperiod SET claimed_until = %s
            WHERE id IN (
                SELECT id FROM metrics_dirtyperiod
                WHERE id = ANY(%s) AND claimed_until IS NOT NULL
                FOR UPDATE SKIP LOCKED
            )
            """,
            [timezone.now() + lease(), [c.id for c in claims]],
        )
        return int(cursor.rowcount)


@contextlib.contextmanager
def leases_renewed(claims: Sequence[Claim]) -> Iterator[None]:
    """Renew the claims' lease every third of it, from a thread with its own connection,
    while the block computes them. A job that dies stops renewing, and its marks are free
    again within one lease."""
    stop = threading.Event()
    every = lease().total_seconds() / 3

    def keep() -> None:
        try:
            while not stop.wait(every):
                try:
                    renew(claims)
                except DatabaseError as exc:  # the lease may run out; another job redoes it
                    log.warning("roll-up lease not renewed: %s", exc.__class__.__name__)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=keep, name="rollup-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


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
        marks = DirtyPeriod.objects.select_for_update(skip_locked=True, of=("self",)).filter(
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
        if is_postgres():
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


@dataclass
class RunResult:
    claimed: int = 0
    written: int = 0
    removed: int = 0
    released: int = 0  # marks kept because new samples arrived while they were computed
    failed: int = 0  # marks of use cases' metrics whose roll-up failed, left for a retry

    def add(self, other: RunResult) -> None:
        self.claimed += other.claimed
        self.written += other.written
        self.removed += other.removed
        self.released += other.released
        self.failed += other.failed


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait before retrying a failed roll-up: doubling from one beat interval, capped."""
    base = int(getattr(settings, "METRICS_ROLLUP_RETRY_SECONDS", 300))
    ceiling = int(getattr(settings, "METRICS_ROLLUP_RETRY_MAX_SECONDS", 6 * 3600))
    return dt.timedelta(seconds=min(ceiling, base * 2 ** min(attempts - 1, 20)))


def _refresh_all(claims: Sequence[Claim], result: RunResult) -> None:
    grouped: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        grouped[c.period].append(c)
    with leases_renewed(claims), transaction.atomic():
        for period, group in grouped.items():
            keys = [(c.use_case_id, c.metric_id, c.period_start) for c in group]
            written, removed = compute(period, keys)
            result.written += written
            result.removed += removed
        # Scorecards and the metric gate checks read roll-ups, which are not audited.
        events.publish(
            events.UseCasesChanged(
                organization_id=None,
                use_case_ids=tuple(sorted({c.use_case_id for c in claims})),
                action="metrics.rollup",
            )
        )
        deleted = _release(claims)
        _clear_failures(claims)
    result.released += len(claims) - deleted


def _clear_failures(claims: Sequence[Claim]) -> None:
    """Forget the failures of the use cases' metrics just rolled up (in their transaction)."""
    pairs = {(c.use_case_id, c.metric_id) for c in claims}
    failed = RollupFailure.objects.filter(
        use_case_id__in={p[0] for p in pairs}, metric_id__in={p[1] for p in pairs}
    ).values_list("pk", "use_case_id", "metric_id")
    gone = [pk for pk, uc, m in failed if (uc, m) in pairs]
    if gone:
        RollupFailure.objects.filter(pk__in=gone).delete()


def _record_failure(
    use_case_id: int, metric_id: int, claims: Sequence[Claim], exc: Exception
) -> None:
    """Keep the error, and lease the marks until the retry is due (so no run takes them
    before, and the other use cases' and organizations' marks go first)."""
    now = timezone.now()
    error = f"{exc.__class__.__name__}: {exc}".strip()[:2000]
    with transaction.atomic():
        failure = (
            RollupFailure.objects.select_for_update(of=("self",))
            .filter(use_case_id=use_case_id, metric_id=metric_id)
            .first()
        )
        if failure is None:
            failure = RollupFailure.objects.create(
                use_case_id=use_case_id,
                metric_id=metric_id,
                error=error,
                first_failed_at=now,
                last_failed_at=now,
                retry_at=now + retry_delay(1),
            )
        else:
            failure.attempts = F("attempts") + 1
            failure.error, failure.last_failed_at = error, now
            failure.save(update_fields=["attempts", "error", "last_failed_at"])
            failure.refresh_from_db(fields=["attempts"])
            failure.retry_at = now + retry_delay(failure.attempts)
            failure.save(update_fields=["retry_at"])
        DirtyPeriod.objects.filter(id__in=[c.id for c in claims]).update(
            claimed_until=failure.retry_at
        )


def refresh(claims: Sequence[Claim]) -> RunResult:
    """Recompute the claimed periods and settle their marks.

    In one transaction when all goes well. When the batch fails (a sum beyond a float's range,
    say), each use case's metric is computed again on its own, so the failure stays with the
    one that has it: that one is recorded (:class:`RollupFailure`) and retried with backoff;
    the others are settled. A transient database error (OperationalError) is raised, for the
    task to retry the whole run.
    """
    result = RunResult(claimed=len(claims))
    if not claims:
        return result
    try:
        _refresh_all(claims, result)
        return result
    except OperationalError:
        raise
    except Exception as exc:  # judged one use case's metric at a time below
        if len({(c.use_case_id, c.metric_id) for c in claims}) == 1:
            _failed(claims[0].use_case_id, claims[0].metric_id, claims, exc)
            return RunResult(claimed=len(claims), failed=len(claims))
    by_item: dict[tuple[int, int], list[Claim]] = defaultdict(list)
    for c in claims:
        by_item[(c.use_case_id, c.metric_id)].append(c)
    result = RunResult(claimed=len(claims))
    for (use_case_id, metric_id), group in sorted(by_item.items()):
        try:
            _refresh_all(group, result)
        except OperationalError:
            raise
        except Exception as exc:  # recorded, shown to admins, retried
            _failed(use_case_id, metric_id, group, exc)
            result.failed += len(group)
    return result


def _failed(use_case_id: int, metric_id: int, claims: Sequence[Claim], exc: Exception) -> None:
    log.warning("roll-up of metric %s for use case %s failed: %s", metric_id, use_case_id, exc)
    _record_failure(use_case_id, metric_id, claims, exc)


def rollup_pending(
    *,
    limit: int | None = None,
    max_batches: int | None = None,
    periods: Sequence[str] | None = None,
    use_case_ids: Sequence[int] | None = None,
    seconds: float | None = None,
) -> RunResult:
    """Recompute every marked period, a bounded batch at a time, until none is left.

    ``periods`` (e.g. ``["day"]``) and ``use_case_ids`` narrow what is taken; ``max_batches``
    and ``seconds`` bound one run (the periodic job then continues where it stopped): no batch
    is claimed once ``seconds`` have passed.
    """
    total = RunResult()
    batches = 0
    started = time.monotonic()
    while max_batches is None or batches < max_batches:
        if seconds is not None and time.monotonic() - started >= seconds:
            break
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
