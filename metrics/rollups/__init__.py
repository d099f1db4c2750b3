"""Incremental roll-ups: raw samples into daily and weekly figures per use case and metric.

**What is marked** (:mod:`.marking`). Ingestion marks the day and the ISO week (UTC) of every
sample it stores (:func:`mark_days`, in the ingesting transaction). Only marked periods are
recomputed.

**How a job works** (:func:`rollup_pending`, :mod:`.jobs`): it *claims* a bounded batch of
marks, oldest period first (then by primary key), with ``SELECT ... FOR UPDATE SKIP LOCKED``
and sets a lease on them (``claimed_until``) in a short transaction, so two jobs never claim
the same mark and a mark of a crashed job comes back when its lease ends. It then recomputes every claimed period from the
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

**How figures are computed** (:mod:`.compute`). On PostgreSQL, one ``INSERT ... SELECT ...
GROUP BY ... ON CONFLICT DO UPDATE`` per batch and period, reading only the time ranges of the claimed periods
(BRIN index on the timestamp). Percentiles are ``percentile_cont`` (exact; see
:mod:`metrics.stats` for the definition), rates are summed numerators over summed denominators
with their 95% Wilson interval computed in the same statement. On SQLite the same figures are
computed in Python with :mod:`metrics.stats`.

**A failure stays where it happened** (:func:`refresh`). When a batch's statement fails (a
sum beyond a float's range, from values stored past the ingestion checks), each use case's
metric of the batch is computed again on its own; the one that fails is recorded
(:class:`~metrics.models.RollupFailure`, with its error), its marks stay leased until its
retry is due (a doubling wait, :func:`retry_delay`), and the rest are settled. Other use cases
and organizations never wait for it; org admins see it on the use case's scorecard. A
transient database error (``OperationalError``) still fails the run, for the task to retry.

**On demand** (:mod:`.recompute`): ``rollup_recompute`` marks every period of a use case and
queues the job (exported by :mod:`metrics.services` with the app's other writes).

Callers use the names below (``from metrics import rollups; rollups.rollup_pending(...)``).
"""

from metrics.rollups.compute import (
    FIGURES,
    FLOAT_FIGURES,
    RELATIVE_TOLERANCE,
    figures,
    rollup_statement,
    same_figures,
)
from metrics.rollups.jobs import (
    Claim,
    RunResult,
    batch_size,
    claim,
    lease,
    refresh,
    renew,
    retry_delay,
    rollup_pending,
    run_seconds,
)
from metrics.rollups.marking import (
    DAY,
    WEEK,
    Key,
    keys_for_days,
    mark_days,
    mark_from_samples,
    mark_keys,
)

__all__ = [
    "DAY",
    "FIGURES",
    "FLOAT_FIGURES",
    "RELATIVE_TOLERANCE",
    "WEEK",
    "Claim",
    "Key",
    "RunResult",
    "batch_size",
    "claim",
    "figures",
    "keys_for_days",
    "lease",
    "mark_days",
    "mark_from_samples",
    "mark_keys",
    "refresh",
    "renew",
    "retry_delay",
    "rollup_pending",
    "rollup_statement",
    "run_seconds",
    "same_figures",
]
