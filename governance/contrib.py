"""What governance says on readiness's executive pages (registered in GovernanceConfig.ready).

- Portfolio facts, key ``"governance"``: required items done (approved or not applicable) and
  their total, sign-offs approved, active incidents and active critical ones. Two queries for
  any number of use cases.
- Scale answers: ``review_model`` (the human-oversight thresholds of the use case's policy) and
  ``risk`` (required sign-offs, incidents, the audit trail). Flagged when there is no policy,
  when any required item is not approved or when a critical incident is active.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from governance.models import (
    ACTIVE_INCIDENT,
    DONE_STATUSES,
    GovernanceItem,
    Incident,
    ItemStatus,
    Severity,
    UseCasePolicy,
)
from readiness.contrib import Answer, Evidence, org_pk_url
from readiness.models import UseCase

SOURCE = "governance"


def _progress(ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        GovernanceItem.objects.filter(checklist__use_case_id__in=ids)
        .values("checklist__use_case_id")
        .annotate(
            n_items=Count("pk"),
            n_required=Count("pk", filter=Q(required=True)),
            n_done=Count("pk", filter=Q(required=True, status__in=DONE_STATUSES)),
            n_approved=Count("pk", filter=Q(status=ItemStatus.APPROVED)),
        )
        .order_by()
    )
    # Annotations named apart from the model's fields (``required``), then renamed.
    return {
        row["checklist__use_case_id"]: {
            "items": row["n_items"],
            "required": row["n_required"],
            "done": row["n_done"],
            "approved": row["n_approved"],
        }
        for row in rows
    }


def _incidents(ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        Incident.objects.filter(use_case_id__in=ids)
        .values("use_case_id")
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=Q(status__in=ACTIVE_INCIDENT)),
            critical=Count("pk", filter=Q(status__in=ACTIVE_INCIDENT, severity=Severity.CRITICAL)),
        )
        .order_by()
    )
    return {row["use_case_id"]: row for row in rows}


def portfolio_facts(use_cases: list[UseCase]) -> dict[int, dict[str, Any]]:
    ids = [uc.pk for uc in use_cases]
    progress = _progress(ids)
    incidents = _incidents(ids)
    facts: dict[int, dict[str, Any]] = {}
    for pk in ids:
        p = progress.get(pk, {})
        i = incidents.get(pk, {})
        facts[pk] = {
            "governance": {
                "has_checklist": pk in progress,
                "required": p.get("required", 0),
                "done": p.get("done", 0),
                "approved": p.get("approved", 0),
                "open_incidents": i.get("active", 0),
                "critical_incidents": i.get("critical", 0),
                "incidents": i.get("total", 0),
            }
        }
    return facts


def _url(name: str, use_case: UseCase) -> str:
    return org_pk_url(name, use_case.organization.slug, use_case.pk)


def _pct(value: Any) -> str:
    return f"{round(100 * float(value))}%"


def _review_model(use_case: UseCase, policy: UseCasePolicy | None) -> Answer:
    evidence = (Evidence("Governance policy", _url("governance_policy", use_case)),)
    if policy is None:
        return Answer(
            question="review_model",
            text="No governance policy records the human-oversight thresholds.",
            source=SOURCE,
            flagged=True,
            reason="Record the oversight thresholds in the use case's governance policy.",
            evidence=evidence,
        )
    text = (
        f"A person reviews every output below {_pct(policy.review_below_confidence)} "
        f"confidence; an incident opens when more than "
        f"{_pct(policy.incident_above_escalation_rate)} of outputs are escalated."
    )
    contacts = [c.strip() for c in policy.escalation_contacts.splitlines() if c.strip()]
    if contacts:
        text += f" Escalation: {'; '.join(contacts)}."
    return Answer(question="review_model", text=text, source=SOURCE, evidence=evidence)


def _risk(use_case: UseCase, progress: dict[str, int], incidents: dict[str, int]) -> Answer:
    evidence: tuple[Evidence, ...] = (
        Evidence("Governance checklist and sign-offs", _url("governance_usecase", use_case)),
        Evidence("Audit trail", _url("usecase_history", use_case)),
    )
    if incidents.get("total"):
        slug = use_case.organization.slug
        evidence += (Evidence("Incidents", reverse("governance_incidents", kwargs={"org": slug})),)
    required, done = progress.get("required", 0), progress.get("done", 0)
    active, critical = incidents.get("active", 0), incidents.get("critical", 0)
    text = (
        f"{done} of {required} required governance sign-offs approved (or not applicable); "
        f"{incidents.get('total', 0)} incident(s) recorded, {active} active. Every change, "
        "sign-off and decision is in the tamper-evident audit trail."
    )
    reasons = []
    if not progress:
        reasons.append("No governance checklist is applied: apply one and get it signed off.")
    elif done < required:
        reasons.append(f"{required - done} required governance sign-off(s) are not approved yet.")
    if critical:
        reasons.append(f"{critical} critical incident(s) are still open.")
    return Answer(
        question="risk",
        text=text,
        source=SOURCE,
        flagged=bool(reasons),
        reason=" ".join(reasons),
        evidence=evidence,
    )


def scale_answers_bulk(use_cases: list[UseCase]) -> dict[int, list[Answer]]:
    """Governance's two answers per use case, in three queries whatever the number."""
    ids = [uc.pk for uc in use_cases]
    policies = {p.use_case_id: p for p in UseCasePolicy.objects.filter(use_case_id__in=ids)}
    progress = _progress(ids)
    incidents = _incidents(ids)
    answers: dict[int, list[Answer]] = defaultdict(list)
    for uc in use_cases:
        answers[uc.pk] = [
            _review_model(uc, policies.get(uc.pk)),
            _risk(uc, progress.get(uc.pk, {}), incidents.get(uc.pk, {})),
        ]
    return dict(answers)


def scale_answers(use_case: UseCase) -> list[Answer]:
    return scale_answers_bulk([use_case])[use_case.pk]


def register() -> None:
    from readiness import contrib

    contrib.register_portfolio_contributor("governance", portfolio_facts)
    contrib.register_scale_contributor("governance", scale_answers, bulk=scale_answers_bulk)
