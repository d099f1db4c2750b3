"""Governance's part of the six answers: ``review_model`` (the human-oversight thresholds of the
use case's policy) and ``risk`` (required sign-offs, incidents, the audit trail). Flagged when
there is no policy, when any required item is not approved or when a critical incident is
active. Three queries for any number of use cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse

from governance.models import UseCasePolicy
from governance.selectors import GovernanceProgress, governance_progress_many, policies_many
from portfolio.answers import Answer, Evidence
from readiness.links import org_pk_url
from readiness.models import UseCase

SOURCE = "governance"


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


def _risk(use_case: UseCase, progress: GovernanceProgress) -> Answer:
    evidence: tuple[Evidence, ...] = (
        Evidence("Governance checklist and sign-offs", _url("governance_usecase", use_case)),
        Evidence("Audit trail", _url("usecase_history", use_case)),
    )
    if progress.incidents:
        slug = use_case.organization.slug
        evidence += (Evidence("Incidents", reverse("governance_incidents", kwargs={"org": slug})),)
    required, done = progress.required, progress.done
    active, critical = progress.open_incidents, progress.critical_incidents
    text = (
        f"{done} of {required} required governance sign-offs approved (or not applicable); "
        f"{progress.incidents} incident(s) recorded, {active} active. Every change, "
        "sign-off and decision is in the tamper-evident audit trail."
    )
    reasons = []
    if not progress.has_checklist:
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


def answers_many(use_cases: Sequence[UseCase]) -> dict[int, list[Answer]]:
    """Governance's two answers per use case, in three queries whatever the number."""
    ids = [uc.pk for uc in use_cases]
    policies = policies_many(ids)
    progress = governance_progress_many(ids)
    return {
        uc.pk: [_review_model(uc, policies.get(uc.pk)), _risk(uc, progress[uc.pk])]
        for uc in use_cases
    }
