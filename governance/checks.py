"""Governance's checks on the readiness gate (registered in GovernanceConfig.ready).

- checklist: every required item of the gates up to the one being passed is approved (or
  marked not applicable); for ``scale``, every required item of every phase. A use case with
  no checklist applied is blocked, with a link to apply one.
- registry: the model and provider in the use case's policy are in the approved registry, for
  its data classification, and the approval has not expired.
- incidents: no critical incident is open (open or mitigating).

Checks only read; each blocker names the missing thing and links to where it is fixed.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from governance.models import (
    ACTIVE_INCIDENT,
    DONE_STATUSES,
    Checklist,
    DataClassification,
    GovernanceItem,
    Incident,
    Severity,
    UseCasePolicy,
)
from governance.services.records import registry_status
from readiness.gate import Blocker, Target
from readiness.models import UseCase

SOURCE = "governance"


def gate_phases(target: Target) -> list[int]:
    """The phases whose governance items must be done to pass ``target``."""
    if target.key == "scale":
        return [1, 2, 3]
    if target.from_phase is None:
        return []
    return list(range(1, target.from_phase + 1))


def checklist_check(use_case: UseCase, target: Target) -> list[Blocker]:
    phases = gate_phases(target)
    if not phases:
        return []
    slug = use_case.organization.slug
    if not Checklist.objects.filter(use_case=use_case).exists():
        return [
            Blocker(
                code="governance_no_checklist",
                message=(
                    f"No governance checklist is applied to {use_case.name}: apply the "
                    "organization's template on its governance page."
                ),
                source=SOURCE,
                url=reverse("governance_usecase", kwargs={"org": slug, "pk": use_case.pk}),
            )
        ]
    missing = (
        GovernanceItem.objects.filter(
            checklist__use_case=use_case, required=True, gate_phase__in=phases
        )
        .exclude(status__in=DONE_STATUSES)
        .order_by("gate_phase", "checklist_id", "position", "id")
    )
    return [
        Blocker(
            code="governance_item_not_approved",
            message=(
                f"Governance sign-off missing (phase {item.gate_phase} gate): {item.title} "
                f"— {item.get_status_display().lower()}"
            ),
            source=SOURCE,
            url=reverse("governance_item", kwargs={"org": slug, "pk": item.pk}),
            detail={"item_id": item.pk, "gate_phase": item.gate_phase, "status": item.status},
        )
        for item in missing
    ]


def registry_check(use_case: UseCase, target: Target) -> list[Blocker]:
    slug = use_case.organization.slug
    policy = UseCasePolicy.objects.filter(use_case=use_case).select_related("use_case").first()
    state, entry = registry_status(policy, timezone.localdate())
    policy_url = reverse("governance_policy", kwargs={"org": slug, "pk": use_case.pk})
    registry_url = reverse("governance_registry", kwargs={"org": slug})
    if state == "ok":
        return []
    if state in ("missing_policy", "no_model"):
        return [
            Blocker(
                code="governance_no_model",
                message=(
                    f"No model or provider is recorded for {use_case.name}: record it in its "
                    "governance policy."
                ),
                source=SOURCE,
                url=policy_url,
            )
        ]
    assert policy is not None
    label = policy.model_label
    if state == "not_registered":
        return [
            Blocker(
                code="governance_model_not_registered",
                message=f"{label} is not in the approved model registry.",
                source=SOURCE,
                url=registry_url,
                detail={"model": label},
            )
        ]
    assert entry is not None
    entry_url = reverse("governance_registry_edit", kwargs={"org": slug, "pk": entry.pk})
    if state == "classification":
        classification = DataClassification(policy.data_classification).label.lower()
        return [
            Blocker(
                code="governance_model_not_approved_for_data",
                message=f"{label} is not approved for {classification} data.",
                source=SOURCE,
                url=entry_url,
                detail={"model": label, "data_classification": policy.data_classification},
            )
        ]
    assert entry.expires_on is not None
    return [
        Blocker(
            code="governance_model_approval_expired",
            message=(
                f"The registry approval of {label} expired on "
                f"{date_format(entry.expires_on, 'j M Y')}."
            ),
            source=SOURCE,
            url=entry_url,
            detail={"model": label, "expired_on": entry.expires_on.isoformat()},
        )
    ]


def incident_check(use_case: UseCase, target: Target) -> list[Blocker]:
    slug = use_case.organization.slug
    incidents = Incident.objects.filter(
        use_case=use_case, severity=Severity.CRITICAL, status__in=ACTIVE_INCIDENT
    ).order_by("opened_at", "pk")
    return [
        Blocker(
            code="governance_critical_incident",
            message=f"Critical incident still {incident.get_status_display().lower()}: {incident.title}",
            source=SOURCE,
            url=reverse("governance_incident", kwargs={"org": slug, "pk": incident.pk}),
            detail={"incident_id": incident.pk},
        )
        for incident in incidents
    ]


def register() -> None:
    from readiness import gate

    gate.register_check("governance.checklist", checklist_check)
    gate.register_check("governance.registry", registry_check)
    gate.register_check("governance.incidents", incident_check)
