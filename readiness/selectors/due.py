"""Due dates: what is open and due soon, what is late, and who answers for it (reads only).

Part of :mod:`readiness.selectors`, which re-exports every name here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from readiness.models import (
    ChecklistItem,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
    WorkstreamStatus,
)

DUE_SOON_DAYS = 3  # "due soon" means due today or within this many days


@dataclass(frozen=True)
class Due:
    """A workstream, workstream item or exit criterion that is open and has a due date."""

    kind: str  # "workstream", "item" (of a workstream) or "criterion" (exit criterion)
    pk: int
    organization_id: int
    use_case_id: int
    use_case_name: str
    title: str
    where: str  # the workstream or phase it belongs to, in words
    due_date: dt.date
    late: bool
    owner_id: int | None  # who answers for it: its own owner, else inherited
    fact: str = ""
    owner_name: str = ""  # filled by due_soon_and_late

    @property
    def anchor(self) -> str:
        return f"ws-{self.pk}" if self.kind == "workstream" else f"item-{self.pk}"

    @property
    def page(self) -> str:
        """The URL name of the use case page that shows it."""
        return "usecase_timeline" if self.kind == "criterion" else "usecase_detail"


def _dated(value: dt.date | None) -> dt.date:
    assert value is not None  # the queries keep dated rows only
    return value


def _owner(*candidates: int | None) -> int | None:
    return next((c for c in candidates if c is not None), None)


def _owned_by(queryset: QuerySet[Any], owner_id: int | None, *paths: str) -> QuerySet[Any]:
    """Only the rows whose responsible person (the first of ``paths`` that is set, as
    :func:`_owner` picks it) is ``owner_id``; all rows when it is None."""
    if owner_id is None:
        return queryset
    return queryset.alias(responsible=Coalesce(*(F(p) for p in paths))).filter(responsible=owner_id)


def _due_querysets(
    use_cases: Q, until: dt.date | None, owner_id: int | None
) -> tuple[QuerySet[Workstream], QuerySet[ChecklistItem], QuerySet[ChecklistItem]]:
    """The open workstreams, workstream items and exit criteria that :func:`due_open` and
    :func:`due_count` read, each filtered alike."""
    ids = UseCase.objects.filter(use_cases).exclude(status=UseCaseStatus.RETIRED).values("pk")
    dated = Q(due_date__isnull=False) if until is None else Q(due_date__lte=until)
    workstreams = Workstream.objects.filter(dated, use_case__in=ids).exclude(
        status=WorkstreamStatus.DONE
    )
    items = ChecklistItem.objects.filter(dated, done=False, workstream__use_case__in=ids)
    criteria = ChecklistItem.objects.filter(
        dated, done=False, phase__use_case__in=ids, phase__actual_end__isnull=True
    )
    return (
        _owned_by(workstreams, owner_id, *_WORKSTREAM_OWNERS),
        _owned_by(items, owner_id, *_ITEM_OWNERS),
        _owned_by(criteria, owner_id, *_CRITERION_OWNERS),
    )


# Who answers for each kind, in order: its own owner, else what it inherits from.
_WORKSTREAM_OWNERS = ("owner_id", "use_case__owner_id", "use_case__created_by_id")
_ITEM_OWNERS = (
    "owner_id",
    "workstream__owner_id",
    "workstream__use_case__owner_id",
    "workstream__use_case__created_by_id",
)
_CRITERION_OWNERS = ("owner_id", "phase__use_case__owner_id", "phase__use_case__created_by_id")


def due_count(
    use_cases: Q,
    *,
    today: dt.date | None = None,
    until: dt.date | None = None,
    owner_id: int | None = None,
) -> tuple[int, int]:
    """How many things :func:`due_open` would list with the same arguments, and how many of
    them are late, counted in SQL (three queries)."""
    today = today or timezone.localdate()
    total = late = 0
    for queryset in _due_querysets(use_cases, until, owner_id):
        counts = queryset.order_by().aggregate(
            total=Count("pk"), late=Count("pk", filter=Q(due_date__lt=today))
        )
        total += counts["total"]
        late += counts["late"]
    return total, late


def due_open(
    use_cases: Q,
    *,
    today: dt.date | None = None,
    until: dt.date | None = None,
    owner_id: int | None = None,
    limit: int | None = None,
) -> list[Due]:
    """Open workstreams, workstream items and exit criteria of the use cases matching
    ``use_cases`` (a Q on UseCase) that are due by ``until`` (late ones included; everything
    due when ``until`` is None), earliest first; with ``owner_id``, only those that person is
    responsible for, and with ``limit`` only the first ones (both in SQL: an organization of
    1,000 use cases has some 100,000 items). Retired use cases and phases past their gate are
    left out. Three queries."""
    today = today or timezone.localdate()
    workstreams, items, criteria = _due_querysets(use_cases, until, owner_id)
    if limit is not None:
        # Each kind's first ``limit`` in the order of the final sort, which never puts a later
        # row of one kind before an earlier one of the same kind.
        workstreams = workstreams.order_by("due_date", "use_case_id", "pk")[:limit]
        items = items.order_by("due_date", "workstream__use_case_id", "pk")[:limit]
        criteria = criteria.order_by("due_date", "phase__use_case_id", "pk")[:limit]
    found: list[Due] = []
    for row in workstreams.values(
        "pk",
        "number",
        "name",
        "due_date",
        "use_case_id",
        "use_case__name",
        "use_case__organization_id",
        *_WORKSTREAM_OWNERS,
    ):
        found.append(
            Due(
                kind="workstream",
                pk=row["pk"],
                organization_id=row["use_case__organization_id"],
                use_case_id=row["use_case_id"],
                use_case_name=row["use_case__name"],
                title=f"Workstream {row['number']}: {row['name']}",
                where="workstream",
                due_date=_dated(row["due_date"]),
                late=_dated(row["due_date"]) < today,
                owner_id=_owner(*(row[p] for p in _WORKSTREAM_OWNERS)),
            )
        )
    item_fields = ("pk", "text", "due_date", "fact")
    for row in items.values(
        *item_fields,
        "workstream__number",
        "workstream__name",
        "workstream__use_case_id",
        "workstream__use_case__name",
        "workstream__use_case__organization_id",
        *_ITEM_OWNERS,
    ):
        found.append(
            Due(
                kind="item",
                pk=row["pk"],
                organization_id=row["workstream__use_case__organization_id"],
                use_case_id=row["workstream__use_case_id"],
                use_case_name=row["workstream__use_case__name"],
                title=row["text"],
                where=f"Workstream {row['workstream__number']}: {row['workstream__name']}",
                due_date=_dated(row["due_date"]),
                late=_dated(row["due_date"]) < today,
                owner_id=_owner(*(row[p] for p in _ITEM_OWNERS)),
                fact=row["fact"],
            )
        )
    for row in criteria.values(
        *item_fields,
        "phase__number",
        "phase__use_case_id",
        "phase__use_case__name",
        "phase__use_case__organization_id",
        *_CRITERION_OWNERS,
    ):
        found.append(
            Due(
                kind="criterion",
                pk=row["pk"],
                organization_id=row["phase__use_case__organization_id"],
                use_case_id=row["phase__use_case_id"],
                use_case_name=row["phase__use_case__name"],
                title=row["text"],
                where=f"Phase {row['phase__number']} exit criterion",
                due_date=_dated(row["due_date"]),
                late=_dated(row["due_date"]) < today,
                owner_id=_owner(*(row[p] for p in _CRITERION_OWNERS)),
            )
        )
    found.sort(key=lambda d: (d.due_date, d.use_case_id, d.kind != "workstream", d.pk))
    return found if limit is None else found[:limit]


def due_soon_and_late(use_case: UseCase, today: dt.date | None = None) -> list[Due]:
    """What of one use case is late or due within :data:`DUE_SOON_DAYS`, with its owner's
    name (four queries)."""
    today = today or timezone.localdate()
    found = due_open(Q(pk=use_case.pk), today=today, until=today + dt.timedelta(days=DUE_SOON_DAYS))
    people = User.objects.in_bulk({d.owner_id for d in found if d.owner_id is not None})
    return [
        replace(d, owner_name=people[d.owner_id].display_name) if d.owner_id in people else d
        for d in found
    ]


def overdue_counts_many(
    use_case_ids: Sequence[int], today: dt.date | None = None
) -> dict[int, int]:
    """How many open workstreams, workstream items and exit criteria are past their due date,
    per use case id (absent: none; retired use cases count none). Three counting queries
    whatever the number of use cases."""
    today = today or timezone.localdate()
    ids = (
        UseCase.objects.filter(pk__in=list(use_case_ids))
        .exclude(status=UseCaseStatus.RETIRED)
        .values("pk")
    )
    counts: dict[int, int] = {}
    tallies = [
        Workstream.objects.filter(use_case__in=ids, due_date__lt=today)
        .exclude(status=WorkstreamStatus.DONE)
        .values_list("use_case_id")
        .annotate(n=Count("pk")),
        ChecklistItem.objects.filter(workstream__use_case__in=ids, due_date__lt=today, done=False)
        .values_list("workstream__use_case_id")
        .annotate(n=Count("pk")),
        ChecklistItem.objects.filter(
            phase__use_case__in=ids,
            phase__actual_end__isnull=True,
            due_date__lt=today,
            done=False,
        )
        .values_list("phase__use_case_id")
        .annotate(n=Count("pk")),
    ]
    for tally in tallies:
        for use_case_id, n in tally.order_by():
            counts[use_case_id] = counts.get(use_case_id, 0) + n
    return counts
