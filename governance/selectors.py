"""Reads that feed the governance pages, each in a fixed number of queries.

Callers pass objects they got through :mod:`governance.access` or :mod:`readiness.access`;
nothing here checks permissions, but every list is scoped to one organization.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from governance.models import (
    ACTIVE_INCIDENT,
    DONE_STATUSES,
    ApprovedModel,
    Checklist,
    ChecklistTemplate,
    Evidence,
    FrameworkControl,
    GovernanceItem,
    Incident,
    ItemStatus,
    ReReview,
    SignOff,
    TemplateItem,
)
from readiness.models import Organization, UseCase, User


def review_queue(
    organization: Organization,
    user: User,
    *,
    use_case: int | None = None,
    area: str = "",
    phase: int | None = None,
    mine: bool = False,
) -> QuerySet[GovernanceItem]:
    """Items awaiting a decision that ``user`` may take, oldest first.

    Items whose current evidence the user submitted are left out: someone else must decide.
    """
    own_evidence = Evidence.objects.filter(
        item=OuterRef("pk"), submitted_by=user, withdrawn_at__isnull=True
    )
    qs = (
        GovernanceItem.objects.filter(
            checklist__use_case__organization=organization, status=ItemStatus.SUBMITTED
        )
        .exclude(Exists(own_evidence))
        .select_related("checklist__use_case", "assigned_reviewer")
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__withdrawn_at__isnull=True)))
        .order_by("submitted_at", "pk")
    )
    if use_case:
        qs = qs.filter(checklist__use_case_id=use_case)
    if area:
        qs = qs.filter(area=area)
    if phase:
        qs = qs.filter(gate_phase=phase)
    if mine:
        qs = qs.filter(assigned_reviewer=user)
    return qs


def queue_count(organization: Organization, user: User) -> int:
    return review_queue(organization, user).count()


@dataclass
class PhaseProgress:
    number: int
    required: int = 0
    done: int = 0
    optional: int = 0
    items: list[GovernanceItem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.done == self.required

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 100


def phase_progress(items: Sequence[GovernanceItem]) -> list[PhaseProgress]:
    """Per gate phase: required items done (approved or not applicable) of required items."""
    phases = {n: PhaseProgress(number=n) for n in (1, 2, 3)}
    for item in items:
        p = phases[item.gate_phase]
        p.items.append(item)
        if item.required:
            p.required += 1
            if item.status in DONE_STATUSES:
                p.done += 1
        else:
            p.optional += 1
    return list(phases.values())


def use_case_checklists(use_case: UseCase) -> list[Any]:
    """The use case's checklists with items (their controls and evidence counts) loaded."""
    items = (
        GovernanceItem.objects.select_related("assigned_reviewer", "decided_by")
        .prefetch_related("controls")
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__withdrawn_at__isnull=True)))
        .order_by("gate_phase", "position", "pk")
    )
    checklists = list(
        Checklist.objects.filter(use_case=use_case)
        .select_related("applied_by")
        .prefetch_related(Prefetch("items", queryset=items, to_attr="item_list"))
        .order_by("applied_at", "pk")
    )
    for checklist in checklists:
        checklist.phases = phase_progress(checklist.item_list)  # type: ignore[attr-defined]
    return checklists


def rereviews(use_case: UseCase, limit: int = 5) -> list[ReReview]:
    return list(ReReview.objects.filter(use_case=use_case).select_related("raised_by")[:limit])


def item_evidence(item: GovernanceItem) -> list[Evidence]:
    return list(item.evidence.select_related("submitted_by").order_by("-submitted_at", "-pk"))


def item_sign_offs(item: GovernanceItem) -> list[SignOff]:
    return list(item.sign_offs.select_related("reviewer").order_by("-created_at", "-pk"))


def templates_for(organization: Organization) -> QuerySet[ChecklistTemplate]:
    return (
        ChecklistTemplate.objects.filter(
            Q(organization=organization) | Q(organization__isnull=True)
        )
        .annotate(item_count=Count("items"))
        .order_by("organization_id", "name")
    )


def template_items(template: ChecklistTemplate) -> list[TemplateItem]:
    return list(
        template.items.prefetch_related("controls").order_by("gate_phase", "position", "pk")
    )


def controls_for(organization: Organization, framework: str = "") -> QuerySet[FrameworkControl]:
    qs = FrameworkControl.objects.filter(
        Q(organization=organization) | Q(organization__isnull=True)
    )
    if framework:
        qs = qs.filter(framework=framework)
    return qs.order_by("framework", "identifier")


@dataclass
class ControlCoverage:
    control: FrameworkControl
    items: list[GovernanceItem]
    approved: int
    not_applicable: int

    @property
    def covered(self) -> bool:
        return bool(self.items)


def coverage(organization: Organization, framework: str) -> dict[str, Any]:
    """Which of the framework's controls the organization's checklists cover, and the
    statement of applicability (items marked not applicable, with their reasons)."""
    controls = list(controls_for(organization, framework))
    items = list(
        GovernanceItem.objects.filter(
            checklist__use_case__organization=organization, controls__framework=framework
        )
        .select_related("checklist__use_case", "decided_by")
        .prefetch_related(
            Prefetch(
                "controls",
                queryset=FrameworkControl.objects.filter(framework=framework),
                to_attr="framework_controls",
            )
        )
        .distinct()
        .order_by("checklist__use_case__name", "gate_phase", "position", "pk")
    )
    by_control: dict[int, list[GovernanceItem]] = {c.pk: [] for c in controls}
    for item in items:
        for control in item.framework_controls:  # type: ignore[attr-defined]
            by_control.setdefault(control.pk, []).append(item)
    rows = [
        ControlCoverage(
            control=c,
            items=by_control[c.pk],
            approved=sum(1 for i in by_control[c.pk] if i.status == ItemStatus.APPROVED),
            not_applicable=sum(
                1 for i in by_control[c.pk] if i.status == ItemStatus.NOT_APPLICABLE
            ),
        )
        for c in controls
    ]
    not_applicable = [i for i in items if i.status == ItemStatus.NOT_APPLICABLE]
    return {
        "rows": rows,
        "covered": sum(1 for r in rows if r.covered),
        "total": len(rows),
        "not_applicable": not_applicable,
    }


def registry(organization: Organization) -> QuerySet[ApprovedModel]:
    return ApprovedModel.objects.filter(organization=organization).select_related("approved_by")


def incidents(
    organization: Organization, *, active_only: bool = False, use_case: int | None = None
) -> QuerySet[Incident]:
    qs = (
        Incident.objects.filter(use_case__organization=organization)
        .select_related("use_case", "opened_by")
        .annotate(update_count=Count("updates"))
        .order_by("-opened_at", "-pk")
    )
    if active_only:
        qs = qs.filter(status__in=ACTIVE_INCIDENT)
    if use_case:
        qs = qs.filter(use_case_id=use_case)
    return qs
