"""Reads that feed the governance pages, the services, the gate checks and the executive
pages, each in a fixed number of queries.

Callers pass objects they got through :mod:`governance.access` or :mod:`readiness.access`;
nothing here checks permissions, but every list is scoped to one organization.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

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
    IncidentUpdate,
    ItemStatus,
    ReReview,
    Severity,
    SignOff,
    TemplateItem,
    UseCasePolicy,
)
from readiness.models import Organization, Perm, UseCase, User
from readiness.selectors import members_who


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


def use_case_policy(use_case: UseCase) -> UseCasePolicy | None:
    """The use case's governance policy, if it has one, with ``use_case`` set (no query for it)."""
    policy = UseCasePolicy.objects.filter(use_case=use_case).first()
    if policy is not None:
        policy.use_case = use_case
    return policy


def incident_updates(incident: Incident) -> list[IncidentUpdate]:
    """The incident's timeline, oldest first, with the authors."""
    return list(incident.updates.select_related("author").order_by("created_at", "pk"))


# --- Who reviews, which gates passed, which template applies ---------------------------------


def reviewers_of(organization: Organization) -> list[User]:
    """Everyone who may sign off in the organization: reviewers, and admins where allowed."""
    return members_who(organization, Perm.SIGN_OFF)


def is_member(organization: Organization, user: Any) -> bool:
    return bool(user) and user.memberships.filter(organization=organization).exists()


def passed_gate_phases(use_case: UseCase) -> list[int]:
    """The phases whose gate this use case has already passed."""
    if use_case.status in ("production", "scaled", "retired"):
        return [1, 2, 3]
    return list(range(1, use_case.current_phase))


def default_template_for(organization_id: int) -> ChecklistTemplate | None:
    """The organization's own default template, else the built-in default."""
    own = ChecklistTemplate.objects.filter(organization_id=organization_id, is_default=True).first()
    return (
        own or ChecklistTemplate.objects.filter(organization__isnull=True, is_default=True).first()
    )


# --- The registry ------------------------------------------------------------------------------


def registry_match(
    organization_id: int, provider: str, model_name: str, version: str
) -> ApprovedModel | None:
    """The registry entry for exactly this provider, model and version (case-insensitive)."""
    return ApprovedModel.objects.filter(
        organization_id=organization_id,
        provider__iexact=provider.strip(),
        model_name__iexact=model_name.strip(),
        version__iexact=version.strip(),
    ).first()


def registry_status(
    policy: UseCasePolicy | None, today: dt.date | None = None
) -> tuple[str, ApprovedModel | None]:
    """How the use case's model stands in the registry: ``missing_policy``, ``no_model``,
    ``not_registered``, ``classification``, ``expired`` or ``ok``."""
    today = today or timezone.localdate()
    if policy is None:
        return "missing_policy", None
    if not policy.model_name:
        return "no_model", None
    entry = registry_match(
        policy.use_case.organization_id, policy.provider, policy.model_name, policy.model_version
    )
    if entry is None:
        return "not_registered", None
    if policy.data_classification not in (entry.data_classifications or []):
        return "classification", entry
    if entry.is_expired(today):
        return "expired", entry
    return "ok", entry


def _norm(value: str) -> str:
    return value.strip().casefold()


def registry_states(
    use_cases: Sequence[UseCase], today: dt.date | None = None
) -> dict[int, tuple[UseCasePolicy | None, str, ApprovedModel | None]]:
    """:func:`registry_status` for many use cases in two queries: id -> (policy, state, entry)."""
    today = today or timezone.localdate()
    ids = [uc.pk for uc in use_cases]
    by_pk = {uc.pk: uc for uc in use_cases}
    policies = {p.use_case_id: p for p in UseCasePolicy.objects.filter(use_case_id__in=ids)}
    for found in policies.values():
        found.use_case = by_pk[found.use_case_id]  # no query for policy.use_case below
    org_ids = {uc.organization_id for uc in use_cases}
    entries: dict[tuple[int, str, str, str], ApprovedModel] = {}
    # Same order as registry_match's .first(): the first match in the model's ordering wins.
    for approved in ApprovedModel.objects.filter(organization_id__in=org_ids).order_by(
        "provider", "model_name", "version", "pk"
    ):
        key = (
            approved.organization_id,
            _norm(approved.provider),
            _norm(approved.model_name),
            _norm(approved.version),
        )
        entries.setdefault(key, approved)
    states: dict[int, tuple[UseCasePolicy | None, str, ApprovedModel | None]] = {}
    for uc in use_cases:
        policy = policies.get(uc.pk)
        if policy is None:
            states[uc.pk] = (None, "missing_policy", None)
            continue
        if not policy.model_name:
            states[uc.pk] = (policy, "no_model", None)
            continue
        entry = entries.get(
            (
                uc.organization_id,
                _norm(policy.provider),
                _norm(policy.model_name),
                _norm(policy.model_version),
            )
        )
        if entry is None:
            state = "not_registered"
        elif policy.data_classification not in (entry.data_classifications or []):
            state = "classification"
        elif entry.is_expired(today):
            state = "expired"
        else:
            state = "ok"
        states[uc.pk] = (policy, state, entry)
    return states


# For the executive pages (the portfolio app reads these directly).


@dataclass(frozen=True)
class GovernanceProgress:
    """Where a use case's governance stands: required items done (approved or not applicable),
    sign-offs approved, and its incidents."""

    has_checklist: bool = False
    required: int = 0
    done: int = 0
    approved: int = 0
    open_incidents: int = 0
    critical_incidents: int = 0
    incidents: int = 0


def governance_progress_many(use_case_ids: Sequence[int]) -> dict[int, GovernanceProgress]:
    """Each use case's :class:`GovernanceProgress`, in two queries whatever their number."""
    items = {
        row["checklist__use_case_id"]: row
        for row in GovernanceItem.objects.filter(checklist__use_case_id__in=use_case_ids)
        .values("checklist__use_case_id")
        .annotate(
            # Named apart from the model's fields (``required``).
            n_required=Count("pk", filter=Q(required=True)),
            n_done=Count("pk", filter=Q(required=True, status__in=DONE_STATUSES)),
            n_approved=Count("pk", filter=Q(status=ItemStatus.APPROVED)),
        )
        .order_by()
    }
    incidents = {
        row["use_case_id"]: row
        for row in Incident.objects.filter(use_case_id__in=use_case_ids)
        .values("use_case_id")
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=Q(status__in=ACTIVE_INCIDENT)),
            critical=Count("pk", filter=Q(status__in=ACTIVE_INCIDENT, severity=Severity.CRITICAL)),
        )
        .order_by()
    }
    result: dict[int, GovernanceProgress] = {}
    for pk in use_case_ids:
        p, i = items.get(pk, {}), incidents.get(pk, {})
        result[pk] = GovernanceProgress(
            has_checklist=pk in items,
            required=p.get("n_required", 0),
            done=p.get("n_done", 0),
            approved=p.get("n_approved", 0),
            open_incidents=i.get("active", 0),
            critical_incidents=i.get("critical", 0),
            incidents=i.get("total", 0),
        )
    return result


def policies_many(use_case_ids: Sequence[int]) -> dict[int, UseCasePolicy]:
    """Each use case's governance policy, where it has one (one query)."""
    return {p.use_case_id: p for p in UseCasePolicy.objects.filter(use_case_id__in=use_case_ids)}
