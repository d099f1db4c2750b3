"""Reads that feed the use-case pages. Each loads what its page shows in a fixed number of queries.

Callers pass objects they already got through :mod:`readiness.access`; nothing here checks
permissions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from readiness.discussion import item_comment_count
from readiness.models import (
    AuditEvent,
    BehaviorSpecVersion,
    ChecklistItem,
    Integration,
    Membership,
    Organization,
    Perm,
    Phase,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
    WorkstreamStatus,
)
from readiness.selectors.due import DUE_SOON_DAYS as DUE_SOON_DAYS
from readiness.selectors.due import Due as Due
from readiness.selectors.due import due_count as due_count
from readiness.selectors.due import due_open as due_open
from readiness.selectors.due import due_soon_and_late as due_soon_and_late
from readiness.selectors.due import overdue_counts_many as overdue_counts_many

IN_PLAN = (UseCaseStatus.PILOT, UseCaseStatus.IN_TRANSITION)

# Lifecycle order, so that sorting by status reads pilot -> retired rather than alphabetically.
_STATUS_ORDER = Case(
    *[When(status=value, then=Value(i)) for i, value in enumerate(UseCaseStatus.values)],
    default=Value(len(UseCaseStatus.values)),
    output_field=IntegerField(),
)

# Sort key (as in ?sort=) -> ordering; a leading "-" reverses it.
SORTS: dict[str, tuple[Any, ...]] = {
    "priority": ("priority_score", "name"),
    "name": ("name",),
    "start": ("start_date", "name"),
    "status": ("status_order", "name"),
    "team": ("team", "name"),
}
DEFAULT_SORT = "-priority"


def _ordering(sort: str) -> list[Any]:
    key = sort.removeprefix("-")
    if key not in SORTS:
        return _ordering(DEFAULT_SORT)
    fields = SORTS[key]
    if sort.startswith("-"):
        # The tie-breaker (name) stays ascending so equal rows read alphabetically.
        return [f"-{fields[0]}", *fields[1:]]
    return list(fields)


def late_phase_exists(today: dt.date | None = None) -> Exists:
    """True for a use case with a phase whose planned end passed before it finished."""
    today = today or timezone.localdate()
    return Exists(
        Phase.objects.filter(
            use_case=OuterRef("pk"), actual_end__isnull=True, planned_end__lt=today
        )
    )


def use_case_list(
    organization: Organization,
    *,
    q: str = "",
    status: str = "",
    risk_tier: str = "",
    phase: int | None = None,
    team: str = "",
    sort: str = DEFAULT_SORT,
    today: dt.date | None = None,
) -> QuerySet[UseCase]:
    """The organization's use cases for the list page, filtered and sorted, one query per page.

    Each row carries ``items_total`` and ``items_done`` (workstream checklist items),
    ``has_late_phase`` and ``status_order``; ``owner`` is joined. ``phase`` keeps only use cases
    still in the 90-day plan whose current phase is that one. An unknown ``sort`` falls back to
    the default (priority, highest first).
    """
    qs = (
        UseCase.objects.filter(organization=organization)
        .select_related("owner")
        .annotate(
            items_total=ChecklistItem.count_per_use_case(),
            items_done=ChecklistItem.count_per_use_case(done=True),
            has_late_phase=late_phase_exists(today),
            status_order=_STATUS_ORDER,
        )
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(team__icontains=q) | Q(workflow__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if risk_tier:
        qs = qs.filter(risk_tier=risk_tier)
    if phase:
        qs = qs.filter(current_phase=phase, status__in=IN_PLAN)
    if team:
        qs = qs.filter(team=team)
    return qs.order_by(*_ordering(sort))


def use_case_teams(organization: Organization) -> list[str]:
    """The distinct team names in use, for the team filter."""
    return list(
        UseCase.objects.filter(organization=organization)
        .order_by("team")
        .values_list("team", flat=True)
        .distinct()
    )


def org_members(organization: Organization) -> QuerySet[User]:
    """The organization's people, for owner choices."""
    return User.objects.filter(memberships__organization=organization).order_by(
        "first_name", "last_name", "email"
    )


def due_state(due_date: dt.date | None, done: bool, today: dt.date) -> str:
    """ "late", "soon" (due within :data:`DUE_SOON_DAYS`) or "" for an open thing's due date."""
    if done or due_date is None:
        return ""
    if due_date < today:
        return "late"
    return "soon" if (due_date - today).days <= DUE_SOON_DAYS else ""


def _with_progress(workstream: Workstream, today: dt.date | None = None) -> Workstream:
    """Attach ``item_count``, ``done_count`` and ``percent`` from the prefetched items, and
    each item's and the workstream's ``due_state``."""
    today = today or timezone.localdate()
    items = list(workstream.items.all())
    done = sum(1 for item in items if item.done)
    for item in items:
        item.due_state = due_state(item.due_date, item.done, today)  # type: ignore[attr-defined]
    workstream.item_count = len(items)  # type: ignore[attr-defined]
    workstream.done_count = done  # type: ignore[attr-defined]
    workstream.percent = round(100 * done / len(items)) if items else 0  # type: ignore[attr-defined]
    workstream.due_state = due_state(  # type: ignore[attr-defined]
        workstream.due_date, workstream.status == WorkstreamStatus.DONE, today
    )
    return workstream


def _with_criteria_progress(phase: Phase, today: dt.date | None = None) -> Phase:
    today = today or timezone.localdate()
    items = list(phase.exit_criteria.all())
    final = phase.actual_end is not None
    for item in items:
        item.due_state = due_state(item.due_date, item.done or final, today)  # type: ignore[attr-defined]
    phase.criteria_count = len(items)  # type: ignore[attr-defined]
    phase.criteria_done = sum(1 for item in items if item.done)  # type: ignore[attr-defined]
    return phase


def _checklist() -> QuerySet[ChecklistItem]:
    """Items with their people and ``comment_count`` (comments not deleted: the Discuss link)."""
    return (
        ChecklistItem.objects.select_related("done_by", "owner")
        .annotate(comment_count=item_comment_count())
        .order_by("position", "id")
    )


def _items() -> Prefetch:
    return Prefetch("items", queryset=_checklist())


def _criteria() -> Prefetch:
    return Prefetch("exit_criteria", queryset=_checklist())


def use_case_detail(use_case: UseCase) -> UseCase:
    """The use case with its workstreams (owner, items) and phases (exit criteria) loaded.

    Always five queries whatever the number of items: the use case, workstreams with owners,
    their items, phases, their exit criteria. ``workstream_list`` and ``phase_list`` hold them,
    each with its progress counts.
    """
    uc = (
        UseCase.objects.select_related("organization", "owner")
        .prefetch_related(
            Prefetch(
                "workstreams",
                queryset=Workstream.objects.select_related("owner")
                .order_by("number")
                .prefetch_related(_items()),
            ),
            Prefetch(
                "phases",
                queryset=Phase.objects.order_by("number").prefetch_related(_criteria()),
            ),
        )
        .get(pk=use_case.pk)
    )
    uc.workstream_list = [_with_progress(ws) for ws in uc.workstreams.all()]  # type: ignore[attr-defined]
    uc.phase_list = [_with_criteria_progress(p) for p in uc.phases.all()]  # type: ignore[attr-defined]
    return uc


def workstream_card(workstream: Workstream) -> Workstream:
    """One workstream as its card shows it (owner, items, progress), freshly read."""
    ws = (
        Workstream.objects.select_related("owner", "use_case__organization")
        .prefetch_related(_items())
        .get(pk=workstream.pk)
    )
    return _with_progress(ws)


def phase_criteria(phase: Phase) -> Phase:
    """One phase with its exit criteria, freshly read."""
    p = (
        Phase.objects.select_related("use_case__organization")
        .prefetch_related(_criteria())
        .get(pk=phase.pk)
    )
    return _with_criteria_progress(p)


def spec_versions(use_case: UseCase) -> list[BehaviorSpecVersion]:
    """Every saved version of the behavior spec, newest first, with who saved it."""
    return list(
        BehaviorSpecVersion.objects.filter(use_case=use_case)
        .select_related("created_by")
        .order_by("-version")
    )


def use_case_audit(use_case: UseCase) -> QuerySet[AuditEvent]:
    """The use case's audit trail, newest first, with each actor (for their name; a deleted
    user's records keep ``actor_label``)."""
    return (
        AuditEvent.objects.filter(use_case=use_case)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def organization_audit(organization: Organization) -> QuerySet[AuditEvent]:
    """Everything recorded in the organization, newest first (a date range narrows it with
    :class:`readiness.audit.export.Range`). Records keep their actor's label: no join."""
    return (
        AuditEvent.objects.filter(organization=organization)
        .select_related("actor")
        .order_by("-sequence")
    )


def members_who(organization: Organization, perm: Perm) -> list[User]:
    """The members of the organization whose role allows ``perm``, by user id (one query)."""
    memberships = (
        Membership.objects.filter(organization=organization)
        .select_related("user", "organization")
        .order_by("user_id")
    )
    return [m.user for m in memberships if m.allows(perm)]


def latest_specs_many(use_case_ids: Sequence[int]) -> dict[int, BehaviorSpecVersion]:
    """Each use case's current behavior spec version, where it has one (one query)."""
    latest: dict[int, BehaviorSpecVersion] = {}
    for spec in BehaviorSpecVersion.objects.filter(use_case_id__in=use_case_ids).order_by(
        "use_case_id", "-version"
    ):
        latest.setdefault(spec.use_case_id, spec)
    return latest


def integrations_many(use_case_ids: Sequence[int]) -> dict[int, list[Integration]]:
    """Each use case's integrations by name (one query); absent ids have none."""
    found: dict[int, list[Integration]] = {}
    for integration in Integration.objects.filter(use_case_id__in=use_case_ids).order_by(
        "name", "pk"
    ):
        found.setdefault(integration.use_case_id, []).append(integration)
    return found
