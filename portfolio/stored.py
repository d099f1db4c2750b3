"""Each use case's judged readiness, stored and kept up to date (issue 10, "a dashboard that
stays fast").

Judging a use case (its gate, the six answers, governance, scorecard, score and verdict) reads
four apps; the portfolio used to judge every use case on every request. Now the judgement is
kept in :class:`~portfolio.models.UseCaseReadiness`, one row per use case, and the portfolio
filters and sorts those rows in SQL (by verdict, score or blockers) and reads one page of them.

How the rows stay right:

1. **Marks in the change's transaction.** Every audited write publishes
   :class:`readiness.events.UseCasesChanged` (the audit service does it, so no service can
   forget), and so do the metric roll-ups, which are not audited. :func:`on_use_cases_changed`
   inserts a :class:`~portfolio.models.ReadinessMark` per use case (every use case of the
   organization when the change is the organization's, e.g. a metric definition's target), in
   that transaction: the mark exists if and only if the change committed.
2. **A debounced recompute after commit.** The same handler queues :func:`readiness_refresh`
   (``portfolio.tasks.refresh_readiness``) after commit, at most once per use case per
   :data:`DEBOUNCE_SECONDS`; in-process (no broker) it runs at once.
3. **A sweep.** Beat runs :func:`refresh_stale` every minute: anything a lost task missed, and,
   in the first minute of a day, every row judged for yesterday (date windows move).
4. **Readers never show a stale row.** :func:`judged_for` (a page of rows) and
   :func:`verdicts_for` judge again, in memory, any row they read that is missing, marked, or
   judged for another day, and queue its recompute. So a reader shows what a fresh evaluation
   gives, whatever the workers are doing. Filters and sorts run in SQL on the stored columns: a
   row changed in the last seconds may sit where its previous score put it until its
   recompute lands (about :data:`DEBOUNCE_SECONDS` with a worker), never with stale figures.

The recompute reads the marks first, then judges, then writes the rows and deletes the marks it
read, in one transaction: a change committed after the marks were read leaves its own mark, so
the row is judged again. Lateness, the plan day, overdue counts and the last scale decision are
not stored: they are read live for the page (two queries), since they move with the calendar.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from typing import Any

from celery import current_app
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.selectors import GovernanceProgress
from metrics.scorecards import Status
from portfolio.answers import Answer, Evidence, QuestionAnswer
from portfolio.models import ReadinessMark, UseCaseReadiness
from portfolio.rows import (
    PILOT_MODE,
    READY_NEXT_GATE,
    READY_TO_SCALE,
    RETIRED,
    SCALED,
    Judged,
    Reason,
    judge_many,
)
from portfolio.score import Part, Score
from readiness import events
from readiness.gate import Blocker, Target
from readiness.models import UseCase

log = logging.getLogger(__name__)

# The verdict sort: what an executive decides first.
VERDICT_ORDER = {READY_TO_SCALE: 0, READY_NEXT_GATE: 1, PILOT_MODE: 2, SCALED: 3, RETIRED: 4}
# Use cases judged per transaction by the task, the sweep and a reader.
BATCH = 200
# A use case queued for a recompute is not queued again for this long: a burst of changes
# (an ingesting client, a reviewer working a queue) gives one recompute, after the burst.
DEBOUNCE_SECONDS = 2
# The sweep judges again rows older than this even when nothing marked them (see refresh_stale).
MAX_AGE = dt.timedelta(hours=6)
# Audit records that no readiness rests on, of the organization or of one use case: they mark
# nothing. Samples count only once rolled up (the roll-up publishes its own event), so a batch
# marks nothing either, even when all its samples are of one use case.
IGNORED_ACTIONS = (
    "metrics.api_token.",
    "metrics.samples.ingest",
    "metrics.csv_upload.",
    "invitation.",
    "notification.",
    "digest.",
    "webhooks.",
)
# A discussion on a use case judges nothing either.
DISCUSSION_ACTIONS = ("comment.",)


# -- What is stored -------------------------------------------------------------------------


def judged_state(judged: Judged) -> dict[str, Any]:
    """The judgement as plain JSON (``UseCaseReadiness.state``); :func:`judged_from` reverses it."""
    return {
        "target": asdict(judged.target) if judged.target else None,
        "blockers": [asdict(b) for b in judged.blockers],
        "answers": [
            {"key": q.key, "question": q.question, "parts": [asdict(a) for a in q.parts]}
            for q in judged.answers
        ],
        "governance": asdict(judged.governance),
        "score": {"total": judged.score.total, "parts": [asdict(p) for p in judged.score.parts]},
        "reasons": [asdict(r) for r in judged.reasons],
    }


def judged_from(stored: UseCaseReadiness) -> Judged:
    """The judgement a stored row holds, as :func:`portfolio.rows.judge_many` gave it."""
    state = stored.state
    return Judged(
        target=Target(**state["target"]) if state["target"] else None,
        blockers=[Blocker(**b) for b in state["blockers"]],
        answers=[
            QuestionAnswer(
                key=q["key"],
                question=q["question"],
                parts=tuple(
                    Answer(**{**a, "evidence": tuple(Evidence(**e) for e in a["evidence"])})
                    for a in q["parts"]
                ),
            )
            for q in state["answers"]
        ],
        governance=GovernanceProgress(**state["governance"]),
        scorecard={level: Status(value) for level, value in stored.levels.items()},
        score=Score(
            total=state["score"]["total"],
            parts=tuple(Part(**p) for p in state["score"]["parts"]),
        ),
        verdict=stored.verdict,
        reasons=[Reason(**r) for r in state["reasons"]],
    )


# -- Marking --------------------------------------------------------------------------------

# Inside :func:`deferred`, changes still mark their use cases but queue no recompute.
_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "readiness_deferred", default=False
)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Mark, but do not recompute, until the block ends (then the caller recomputes once, or
    leaves it to the sweep and the readers). For bulk writers such as ``seed_demo``: with tasks
    run in-process, every one of its hundreds of writes would judge its use case again."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def on_use_cases_changed(event: events.UseCasesChanged) -> None:
    """Mark the use cases' stored readiness stale, in the change's transaction, and queue
    their recompute for after commit. Subscribed to :class:`readiness.events.UseCasesChanged`."""
    if event.action.startswith(DISCUSSION_ACTIONS) or event.action.startswith(IGNORED_ACTIONS):
        return
    if event.use_case_ids is not None:
        ids = sorted(set(event.use_case_ids))
        if not ids:
            return
        ReadinessMark.objects.bulk_create([ReadinessMark(use_case_id=pk) for pk in ids])
        if not _deferred.get():
            transaction.on_commit(functools.partial(schedule, ids), robust=not _eager())
        return
    if event.organization_id is None:
        return
    # The ids read without a lock, the marks inserted in batches: nothing here waits.
    ids = list(
        UseCase.objects.filter(organization_id=event.organization_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        ReadinessMark.objects.bulk_create(
            [ReadinessMark(use_case_id=pk) for pk in ids], batch_size=1000
        )
        if not _deferred.get():
            transaction.on_commit(functools.partial(schedule, ids), robust=not _eager())


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _queued_key(use_case_id: int) -> str:
    return f"portfolio:readiness-queued:{use_case_id}"


def schedule(use_case_ids: Sequence[int]) -> None:
    """Queue the recompute of these use cases, leaving out those queued in the last
    :data:`DEBOUNCE_SECONDS` (that task has not started: it will see their marks). A broker
    that does not answer is logged and left to the sweep: the marks are the durable copy."""
    from portfolio.tasks import refresh_readiness

    fresh = [pk for pk in use_case_ids if cache.add(_queued_key(pk), 1, DEBOUNCE_SECONDS)]
    for start in range(0, len(fresh), BATCH):
        chunk = fresh[start : start + BATCH]
        try:
            refresh_readiness.apply_async(args=(chunk,), countdown=DEBOUNCE_SECONDS)
        except Exception as exc:
            if _eager():
                raise
            log.warning("readiness: recompute of %s use cases not queued: %s", len(chunk), exc)


def unqueue(use_case_ids: Iterable[int]) -> None:
    """The task starts: changes from now on queue a new one (their marks come after its read)."""
    cache.delete_many([_queued_key(pk) for pk in use_case_ids])


# -- Recomputing ----------------------------------------------------------------------------


def readiness_refresh(*, use_case_ids: Iterable[int], today: dt.date | None = None) -> int:
    """Judge these use cases again and store their rows, in batches of :data:`BATCH`, each in
    its own transaction: marks read first, then the judgement, then the rows written and the
    marks read deleted. Idempotent; a use case that no longer exists only loses its marks.
    Returns how many rows were written."""
    today = today or timezone.localdate()
    ids = sorted(set(use_case_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            marks = list(
                ReadinessMark.objects.filter(use_case_id__in=chunk).values_list("pk", flat=True)
            )
            use_cases = list(
                UseCase.objects.filter(pk__in=chunk)
                .select_related("organization", "owner")
                .order_by("pk")
            )
            written += _store(use_cases, judge_many(use_cases), today)
            if marks:
                ReadinessMark.objects.filter(pk__in=marks).delete()
    return written


def _store(use_cases: Sequence[UseCase], judged: dict[int, Judged], today: dt.date) -> int:
    now = timezone.now()
    rows = [
        UseCaseReadiness(
            use_case=uc,
            organization_id=uc.organization_id,
            verdict=(j := judged[uc.pk]).verdict,
            verdict_order=VERDICT_ORDER[j.verdict],
            score=j.score.total,
            blockers=len(j.blockers),
            levels={level: str(status) for level, status in j.scorecard.items()},
            state=judged_state(j),
            computed_for=today,
            computed_at=now,
        )
        for uc in use_cases
    ]
    UseCaseReadiness.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["use_case"],
        update_fields=[
            "verdict",
            "verdict_order",
            "score",
            "blockers",
            "levels",
            "state",
            "computed_for",
            "computed_at",
        ],
    )
    return len(rows)


def stale(qs: QuerySet[UseCase], today: dt.date) -> QuerySet[UseCase]:
    """The use cases of ``qs`` whose stored row may not be what judging now would give."""
    return qs.filter(
        Q(stored_readiness__isnull=True)
        | Q(stored_readiness__computed_for__lt=today)
        | Q(stored_readiness__computed_for__gt=today)
        | Exists(ReadinessMark.objects.filter(use_case_id=OuterRef("pk")))
    )


def ensure_fresh(qs: QuerySet[UseCase], today: dt.date | None = None) -> int:
    """Without a broker (in-process mode), judge again and store, before reading, the use cases
    of ``qs`` whose row is stale: the recompute would run in this process anyway, and the
    sorts and the verdict filter then see fresh rows too. With a broker, readers leave it to the
    task (see :func:`judged_for`): 8 readers must not all judge the same rows at once while
    ingestion marks them. One query when nothing is stale."""
    if not _eager():
        return 0
    today = today or timezone.localdate()
    ids = list(stale(qs, today).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    return readiness_refresh(use_case_ids=ids, today=today)


def with_marks(qs: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """``qs`` with ``readiness_marks`` (how many changes since its row was judged) and
    ``readiness_last_mark`` (the id of the latest), for :func:`judged_for`: read in the same
    query as the rows."""
    marks = (
        ReadinessMark.objects.filter(use_case_id=OuterRef("pk")).order_by().values("use_case_id")
    )
    return qs.annotate(
        readiness_marks=Coalesce(Subquery(marks.annotate(n=Count("pk")).values("n")), 0),
        readiness_last_mark=Subquery(marks.annotate(last=Max("pk")).values("last")),
    )


def _is_fresh(row: UseCaseReadiness | None, marked: bool, today: dt.date) -> bool:
    return row is not None and not marked and row.computed_for == today


# -- Judged by a reader, shared with the others ---------------------------------------------

# How long a reader's judgement of a stale row is offered to the other readers. Its key names
# the exact state it judged, so the time only bounds what the cache holds.
SHARED_SECONDS = 120


def _shared_key(uc: UseCase, today: dt.date) -> str:
    """The state a reader saw of ``uc`` (from :func:`with_marks`): :func:`_state_key`."""
    row = getattr(uc, "stored_readiness", None)
    return _state_key(
        uc.pk,
        row.computed_at if row is not None else None,
        getattr(uc, "readiness_marks", 0),
        getattr(uc, "readiness_last_mark", None),
        today,
    )


def _state_key(
    pk: int, judged_at: dt.datetime | None, marks: int, last_mark: int | None, today: dt.date
) -> str:
    """The state a reader saw of one use case: its stored row (by when it was judged), the
    changes marked since (how many, and the latest), and the day.

    Between two recomputes the marks of a use case are only added, each in its change's
    transaction, and a recompute deletes the marks it read in the transaction that rewrites the
    row. So two readers that see the same row, the same number of marks and the same latest
    mark see the same committed changes, and a judgement made after one of them read that
    state is at least as fresh as it (never older): another reader may show it in place of
    judging again."""
    judged = judged_at.isoformat() if judged_at is not None else "-"
    return f"portfolio:judged:{pk}:{today.isoformat()}:{judged}:{marks}:{last_mark}"


def _shareable(judged: Judged) -> dict[str, Any]:
    return {
        "verdict": judged.verdict,
        "levels": {level: str(status) for level, status in judged.scorecard.items()},
        "state": judged_state(judged),
    }


def _shared(value: dict[str, Any]) -> Judged:
    return judged_from(
        UseCaseReadiness(verdict=value["verdict"], levels=value["levels"], state=value["state"])
    )


def _judged_once(
    keys: dict[int, str], load: Callable[[list[int]], Sequence[UseCase]]
) -> dict[int, Judged]:
    """Each use case's judgement in the state its key names (:func:`_state_key`): another
    reader's, from the cache, or judged here (the use cases ``load``-ed by id) and shared."""
    shared = cache.get_many(list(keys.values()))
    found = {pk: _shared(shared[key]) for pk, key in keys.items() if key in shared}
    missing = [pk for pk in keys if pk not in found]
    if missing:
        fresh = judge_many(load(missing))
        found.update(fresh)
        cache.set_many({keys[pk]: _shareable(j) for pk, j in fresh.items()}, SHARED_SECONDS)
    return found


def judged_for(use_cases: Sequence[UseCase], today: dt.date) -> dict[int, Judged]:
    """Each use case's judgement as a fresh evaluation gives it: its stored row where that is
    fresh, else judged now (constant queries), and its recompute queued (debounced) so that the
    next reader finds it stored. ``use_cases`` come from :func:`with_marks`, loaded with
    ``stored_readiness``, ``organization`` and ``owner``. Nothing is written here but by the
    task (in-process, without a broker, the task runs at once).

    A stale row judged by one reader is kept in the cache under the state it judged
    (:func:`_shared_key`): the other readers that see the same state take it instead of judging
    it again. While ingestion marks use cases every second, 8 readers of the same page judge
    each stale row once between them, not 8 times."""
    judged: dict[int, Judged] = {}
    stale_ones = []
    for uc in use_cases:
        row = getattr(uc, "stored_readiness", None)
        if _is_fresh(row, getattr(uc, "readiness_marks", 1) > 0, today):
            judged[uc.pk] = judged_from(row)  # type: ignore[arg-type]
        else:
            stale_ones.append(uc)
    if not stale_ones:
        return judged
    by_pk = {uc.pk: uc for uc in stale_ones}
    keys = {uc.pk: _shared_key(uc, today) for uc in stale_ones}
    judged.update(_judged_once(keys, lambda pks: [by_pk[pk] for pk in pks]))
    schedule([uc.pk for uc in stale_ones])
    return judged


def verdicts_for(qs: QuerySet[UseCase], today: dt.date) -> dict[int, str]:
    """Each use case's verdict as a fresh evaluation gives it, like :func:`judged_for` but
    reading only the verdict column of fresh rows (the home page's counts). A stale row's
    judgement is shared with :func:`judged_for` and the other readers of the same state."""
    verdicts: dict[int, str] = {}
    stale: dict[int, str] = {}  # use case id: the key of the state it was read in
    # The stubs do not see with_marks's annotations.
    for pk, verdict, day, judged_at, marks, last in with_marks(qs).values_list(  # type: ignore[misc]
        "pk",
        "stored_readiness__verdict",
        "stored_readiness__computed_for",
        "stored_readiness__computed_at",
        "readiness_marks",
        "readiness_last_mark",
    ):
        if verdict is not None and not marks and day == today:
            verdicts[pk] = verdict
        else:
            stale[pk] = _state_key(pk, judged_at, marks, last, today)
    if not stale:
        return verdicts

    def load(pks: list[int]) -> list[UseCase]:
        return list(UseCase.objects.filter(pk__in=pks).select_related("organization", "owner"))

    verdicts.update({pk: j.verdict for pk, j in _judged_once(stale, load).items()})
    schedule(list(stale))
    return verdicts


def refresh_stale(*, today: dt.date | None = None, max_batches: int = 50) -> int:
    """The sweep (beat): recompute stale rows of every organization in bounded batches, and
    drop the marks of use cases that are gone. Returns how many rows were written.

    It also judges again rows older than :data:`MAX_AGE`, stale or not: a safety net for a
    write that changed an input without an audit record or an event (a bug, or a fix made by
    hand in the database), which readers cannot see. Readers do not look at the age."""
    today = today or timezone.localdate()
    ReadinessMark.objects.exclude(
        Exists(UseCase.objects.filter(pk=OuterRef("use_case_id")))
    ).delete()
    old = Q(stored_readiness__computed_at__lt=timezone.now() - MAX_AGE)
    written = 0
    last = 0
    for _ in range(max_batches):
        # Past the last batch's ids: a row judged again goes out of "old", but one marked
        # again meanwhile must not hold the sweep on the same ids for ever.
        due = (stale(UseCase.objects.all(), today) | UseCase.objects.filter(old)).filter(
            pk__gt=last
        )
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        written += readiness_refresh(use_case_ids=ids, today=today)
        last = ids[-1]
        if len(ids) < BATCH:
            break
    return written
