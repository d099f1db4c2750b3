"""Fresh figures: the stored roll-ups, with every period that has samples newer than its
roll-up (a :class:`~metrics.models.DirtyPeriod` mark) computed again from the raw samples on
read, so the gate, the scorecards, the exports and the read API judge the same figures right
after a batch, before the roll-up job has run.

Why on read and not after each batch: ingestion must stay fast (its throughput is measured by
``make bench``), and the marks already say exactly which periods are behind. A mark exists
from the commit of the batch that stored a sample until the commit of the roll-up that
includes it (:mod:`metrics.rollups`), so "roll-ups, with the marked periods recomputed" always
includes every sample committed before the read.

The cost falls on reads of periods still marked, and grows with their samples: measured on
this machine, a use case's scorecard over a week of 100,000 latency samples takes 0.8 s with
that week and its days marked, 21 ms once rolled up (the read API's 7 days: 0.42 s, 47 ms).
The roll-up job (every 30 s) keeps the marked periods few: under steady ingestion, today and
the week in progress; pages of many use cases (the portfolio) read only the complete weeks.

Each figure carries ``computed_at``: when its stored roll-up was computed, or the moment of
this read for a period recomputed now. A recompute that fails (a value stored past the
ingestion checks, beyond a float's range) falls back to the stored figures, which the
scorecard then shows as stale (:class:`~metrics.models.RollupFailure`); it never fails the page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from metrics.models import DirtyPeriod, Rollup
from metrics.rollups.compute import FIGURES, read_figures

log = logging.getLogger(__name__)

# (use case id, metric id, period start)
FreshKey = tuple[int, int, dt.date]


def fresh_rollups(
    use_case_ids: Sequence[int],
    *,
    period: str,
    first: dt.date,
    last: dt.date,
    metric_ids: Iterable[int] | None = None,
    starts: Iterable[dt.date] | None = None,
    now: dt.datetime | None = None,
) -> dict[FreshKey, dict[str, Any]]:
    """The figures of these use cases' periods starting from ``first`` to ``last`` (inclusive),
    by (use case, metric, period start): every roll-up column of :data:`FIGURES`, plus
    ``computed_at`` and ``recomputed`` (True when computed on this read).

    Two queries (roll-ups, marks), and a third that recomputes the marked periods when any is
    marked. ``starts`` narrows to those period starts (e.g. the one week a scorecard judges).
    Nothing here checks permissions: callers pass use cases they got through the access layer.
    """
    if not use_case_ids:
        return {}
    scope = marked_scope(
        use_case_ids, period=period, first=first, last=last, metric_ids=metric_ids, starts=starts
    )
    out: dict[FreshKey, dict[str, Any]] = {
        (r["use_case_id"], r["metric_id"], r["period_start"]): {**r, "recomputed": False}
        for r in Rollup.objects.filter(scope)
        .values("use_case_id", "metric_id", "period_start", *FIGURES, "computed_at")
        .order_by()
    }
    for key, new in recomputed_marked(scope, period, now=now).items():
        if new is None:
            out.pop(key, None)  # its samples are gone: the roll-up job removes it too
        else:
            out[key] = new
    return out


def marked_scope(
    use_case_ids: Sequence[int],
    *,
    period: str,
    first: dt.date,
    last: dt.date,
    metric_ids: Iterable[int] | None = None,
    starts: Iterable[dt.date] | None = None,
) -> Q:
    """The roll-ups (or marks) of these use cases' periods from ``first`` to ``last``."""
    scope = Q(
        use_case_id__in=list(use_case_ids),
        period=period,
        period_start__gte=first,
        period_start__lte=last,
    )
    if metric_ids is not None:
        scope &= Q(metric_id__in=list(metric_ids))
    if starts is not None:
        scope &= Q(period_start__in=list(starts))
    return scope


def recomputed_marked(
    scope: Q, period: str, *, now: dt.datetime | None = None
) -> dict[FreshKey, dict[str, Any] | None]:
    """The marked periods in ``scope`` (see :func:`marked_scope`), computed from the raw
    samples now: None for a period with no samples left. One query when nothing is marked, two
    otherwise. A use case's metric whose recompute fails is left out (its stored figures
    stand); the others are computed one use case's metric at a time then."""
    marked = sorted(
        DirtyPeriod.objects.filter(scope)
        .values_list("use_case_id", "metric_id", "period_start")
        .order_by()
    )
    if not marked:
        return {}
    recomputed = _read(period, marked)
    if recomputed is None:
        # One use case's metric failed (a value stored past the ingestion checks): the others
        # are computed on their own, so the failure stays with it, as in the roll-up job.
        recomputed, done = {}, set()
        by_item: dict[tuple[int, int], list[FreshKey]] = {}
        for key in marked:
            by_item.setdefault((key[0], key[1]), []).append(key)
        for _item, keys in sorted(by_item.items()):
            found = _read(period, keys)
            if found is not None:
                recomputed.update(found)
                done.update(keys)
        marked = [key for key in marked if key in done]
    moment = now or timezone.now()
    out: dict[FreshKey, dict[str, Any] | None] = {}
    for key in marked:
        new = recomputed.get(key)
        use_case_id, metric_id, start = key
        out[key] = (
            None
            if new is None
            else {
                "use_case_id": use_case_id,
                "metric_id": metric_id,
                "period_start": start,
                **new,
                "computed_at": moment,
                "recomputed": True,
            }
        )
    return out


def _read(period: str, keys: list[FreshKey]) -> dict[FreshKey, dict[str, Any]] | None:
    """The keys' figures from the raw samples; None when the statement fails."""
    try:
        # A savepoint (or a transaction of its own): a failed statement must not poison the
        # caller's transaction.
        with transaction.atomic():
            return read_figures(period, keys)
    except (DatabaseError, ArithmeticError, ValueError) as exc:
        log.warning("figures not recomputed on read (stored ones shown): %s", exc)
        return None
