"""Governance's checks on the readiness gate (registered in GovernanceConfig.ready).

- checklist: every required item of the gates up to the one being passed is approved (or
  marked not applicable); for ``scale``, every required item of every phase. A use case with
  no checklist applied is blocked, with a link to apply one.
- registry: the model and provider in the use case's policy are in the approved registry, for
  its data classification, and the approval has not expired.
- incidents: no critical incident is open (open or mitigating).

Each check judges many use cases at once (readiness.gate's contract), in a constant number of
queries; checks only read, and each blocker names the missing thing and links to where it is
fixed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.urls import reverse
from django.utils.formats import date_format

from governance.models import (
    ACTIVE_INCIDENT,
    DONE_STATUSES,
    ApprovedModel,
    Checklist,
    DataClassification,
    GovernanceItem,
    Incident,
    ItemStatus,
    Severity,
    UseCasePolicy,
)
from governance.selectors import registry_states
from readiness.gate import Blocker, Target
from readiness.links import org_pk_url
from readiness.models import UseCase

SOURCE = "governance"


def gate_phases(target: Target) -> list[int]:
    """The phases whose governance items must be done to pass ``target``."""
    if target.key == "scale":
        return [1, 2, 3]
    if target.from_phase is None:
        return []
    return list(range(1, target.from_phase + 1))


def _registry_blockers(
    use_case: UseCase, policy: UseCasePolicy | None, state: str, entry: ApprovedModel | None
) -> list[Blocker]:
    slug = use_case.organization.slug
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


def checklist_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    """Every required item of the gates up to the one being passed is approved or not
    applicable (two queries)."""
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    phases = {uc.pk: gate_phases(targets[uc.pk]) for uc in use_cases if uc.pk in targets}
    asked = [uc for uc in use_cases if phases.get(uc.pk)]
    if not asked:
        return result
    ids = [uc.pk for uc in asked]
    with_checklist = set(
        Checklist.objects.filter(use_case_id__in=ids).values_list("use_case_id", flat=True)
    )
    # Plain tuples, not model instances: a page of use cases holds hundreds of open items.
    missing: dict[int, list[tuple[int, str, str, int]]] = defaultdict(list)
    for pk, title, status, phase, uc_id in (
        GovernanceItem.objects.filter(
            checklist__use_case_id__in=ids, required=True, gate_phase__in=[1, 2, 3]
        )
        .exclude(status__in=DONE_STATUSES)
        .order_by("gate_phase", "checklist_id", "position", "id")
        .values_list("pk", "title", "status", "gate_phase", "checklist__use_case_id")
    ):
        missing[uc_id].append((pk, title, status, phase))
    for uc in asked:
        slug = uc.organization.slug
        if uc.pk not in with_checklist:
            result[uc.pk] = [
                Blocker(
                    code="governance_no_checklist",
                    message=(
                        f"No governance checklist is applied to {uc.name}: apply the "
                        "organization's template on its governance page."
                    ),
                    source=SOURCE,
                    url=org_pk_url("governance_usecase", slug, uc.pk),
                )
            ]
            continue
        wanted = phases[uc.pk]
        result[uc.pk] = [
            Blocker(
                code="governance_item_not_approved",
                message=(
                    f"Governance sign-off missing (phase {phase} gate): {title} "
                    f"— {ItemStatus(status).label.lower()}"
                ),
                source=SOURCE,
                url=org_pk_url("governance_item", slug, pk),
                detail={"item_id": pk, "gate_phase": phase, "status": status},
            )
            for pk, title, status, phase in missing.get(uc.pk, [])
            if phase in wanted
        ]
    return result


def registry_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    """The model and provider of the policy are approved for its data classification and the
    approval has not expired (two queries)."""
    asked = [uc for uc in use_cases if uc.pk in targets]
    states = registry_states(asked)
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    for uc in asked:
        policy, state, entry = states[uc.pk]
        if state != "ok":
            result[uc.pk] = _registry_blockers(uc, policy, state, entry)
    return result


def incident_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    """No critical incident is open or mitigating (one query)."""
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    by_pk = {uc.pk: uc for uc in use_cases if uc.pk in targets}
    if not by_pk:
        return result
    incidents = Incident.objects.filter(
        use_case_id__in=list(by_pk), severity=Severity.CRITICAL, status__in=ACTIVE_INCIDENT
    ).order_by("opened_at", "pk")
    for incident in incidents:
        slug = by_pk[incident.use_case_id].organization.slug
        result[incident.use_case_id].append(
            Blocker(
                code="governance_critical_incident",
                message=f"Critical incident still {incident.get_status_display().lower()}: {incident.title}",
                source=SOURCE,
                url=org_pk_url("governance_incident", slug, incident.pk),
                detail={"incident_id": incident.pk},
            )
        )
    return result


def register() -> None:
    from readiness import gate

    gate.register_check("governance.checklist", checklist_check)
    gate.register_check("governance.registry", registry_check)
    gate.register_check("governance.incidents", incident_check)
