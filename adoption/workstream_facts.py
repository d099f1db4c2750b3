"""The Adoption rollout workstream's items follow the rollout's records.

- "Start with one team and one workflow": ticked once a first cohort is recorded;
- "Train managers before end users": ticked while the cohorts have managers and every one of
  them has a training record for the use case;
- "Publish clear usage boundaries": ticked once boundaries are published;
- "Collect structured feedback every week": ticked while feedback has come in for the current
  or the previous ISO week (it unticks when a week passes without any).

"Iterate quickly in the first 30-60 days" stays a judgment. Adoption's services call
:func:`facts_push` inside their transaction after a change; the daily :func:`facts_sync` unticks
the weekly feedback that stopped coming. :func:`adoption_facts` is the pure rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from adoption.calc import week_start
from adoption.models import Cohort, Feedback, TrainingRecord, UsageBoundary
from readiness.audit import audit_at_end
from readiness.facts import Fact, Source
from readiness.models import ChecklistItem, UseCase
from readiness.services import workstream_facts_refresh


def adoption_facts(
    *,
    cohorts: int,
    managers: Collection[int],
    trained: Collection[int],
    boundaries: int,
    last_feedback_week: dt.date | None,
    today: dt.date,
) -> dict[Fact, bool]:
    """The four facts from counts and ids (managers, trained people). Pure."""
    last_week = week_start(today) - dt.timedelta(days=7)
    return {
        Fact.COHORT: cohorts > 0,
        Fact.MANAGERS_TRAINED: bool(managers) and set(managers) <= set(trained),
        Fact.BOUNDARIES: boundaries > 0,
        Fact.FEEDBACK: last_feedback_week is not None and last_feedback_week >= last_week,
    }


def facts_many(
    use_case_ids: Collection[int], today: dt.date | None = None
) -> dict[int, dict[Fact, bool]]:
    """The facts of many use cases in five queries."""
    today = today or timezone.localdate()
    ids = list(use_case_ids)
    cohorts: dict[int, int] = defaultdict(int)
    for uc_id in Cohort.objects.filter(use_case_id__in=ids).values_list("use_case_id", flat=True):
        cohorts[uc_id] += 1
    managers: dict[int, set[int]] = defaultdict(set)
    for uc_id, user_id in Cohort.managers.through.objects.filter(
        cohort__use_case_id__in=ids
    ).values_list("cohort__use_case_id", "user_id"):
        managers[uc_id].add(user_id)
    trained: dict[int, set[int]] = defaultdict(set)
    for uc_id, user_id in TrainingRecord.objects.filter(
        use_case_id__in=ids, completed_on__lte=today
    ).values_list("use_case_id", "user_id"):
        trained[uc_id].add(user_id)
    published = set(
        UsageBoundary.objects.filter(use_case_id__in=ids).values_list("use_case_id", flat=True)
    )
    weeks: Mapping[int, dt.date] = dict(
        Feedback.objects.filter(cohort__use_case_id__in=ids, week__lte=week_start(today))
        .values_list("cohort__use_case_id")
        .annotate(last=Max("week"))
        .order_by()
    )
    return {
        uc_id: adoption_facts(
            cohorts=cohorts[uc_id],
            managers=managers[uc_id],
            trained=trained[uc_id],
            boundaries=1 if uc_id in published else 0,
            last_feedback_week=weeks.get(uc_id),
            today=today,
        )
        for uc_id in ids
    }


def facts_push(*, use_case: UseCase, actor: Any = None, today: dt.date | None = None) -> int:
    """Bring the use case's Adoption rollout items in line with its records, in the caller's
    transaction. Returns how many items changed."""
    found = facts_many([use_case.pk], today)[use_case.pk]
    return workstream_facts_refresh(
        use_case=use_case, source=Source.ADOPTION, facts=found, actor=actor
    )


def facts_sync(*, today: dt.date | None = None, batch_size: int = 200) -> int:
    """Daily: untick "Collect structured feedback every week" where no feedback came in this
    week or last. Only use cases whose item is ticked are looked at, in bounded batches in
    primary-key order, each in its own transaction; a second run changes nothing. Returns how
    many items changed."""
    today = today or timezone.localdate()
    ticked: Iterable[int] = (
        ChecklistItem.objects.filter(fact=Fact.FEEDBACK, done=True)
        .values_list("workstream__use_case_id", flat=True)
        .order_by("workstream__use_case_id")
    )
    ids = list(dict.fromkeys(ticked))
    changed = 0
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        found = facts_many(batch, today)
        stale = [uc_id for uc_id in batch if not found[uc_id][Fact.FEEDBACK]]
        if not stale:
            continue
        with transaction.atomic(), audit_at_end():
            for use_case in UseCase.objects.filter(pk__in=stale).order_by("pk"):
                changed += workstream_facts_refresh(
                    use_case=use_case,
                    source=Source.ADOPTION,
                    facts={Fact.FEEDBACK: False},
                )
    return changed
