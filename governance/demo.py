"""Governance's part of ``seed_demo``: registry, policies, checklists in every state, incidents.

Two entry points, both idempotent and both writing through the services (so the demo's audit
trail is real):

- :func:`prepare_gate` runs before seed_demo passes a demo use case through a gate: it applies
  the checklist, records an approved model and has the reviewer approve the gate's items, so
  the use cases stay at the phases the demo gives them.
- :func:`seed` runs after: it gives each demo use case its current-phase states (approved,
  awaiting review, rejected, not applicable, open), a registry with one expired approval, and
  incidents (a past, reviewed one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance import services
from governance.models import (
    ApprovedModel,
    Checklist,
    DataClassification,
    EvidenceKind,
    GovernanceItem,
    Incident,
    ItemStatus,
    UseCasePolicy,
)
from governance.selectors import passed_gate_phases
from readiness import discussion
from readiness import services as readiness_services
from readiness.models import Organization, Role, UseCase, User

REGISTRY: list[dict[str, Any]] = [
    {
        "provider": "Azure OpenAI",
        "model_name": "gpt-4o",
        "version": "2024-08-06",
        "data_classifications": ["public", "internal", "confidential"],
        "approved_days_ago": 200,
        "expires_in_days": 165,
        "conditions": "EU data zone only. Prompts are not used for training (contract clause 7.2).",
    },
    {
        "provider": "Anthropic",
        "model_name": "Claude 3.5 Sonnet",
        "version": "20241022",
        "data_classifications": ["public", "internal"],
        "approved_days_ago": 120,
        "expires_in_days": 245,
        "conditions": "No customer personal data.",
    },
    {
        "provider": "OpenAI",
        "model_name": "gpt-4-turbo",
        "version": "2024-04-09",
        "data_classifications": ["public", "internal", "confidential"],
        "approved_days_ago": 400,
        "expires_in_days": -20,  # expired: shows up as a blocker on the contract review
        "conditions": "Approved for the 2024 pilots; renew before any new use.",
    },
    {
        "provider": "Self-hosted",
        "model_name": "Llama 3.1 70B Instruct",
        "version": "",
        "data_classifications": ["public", "internal", "confidential", "restricted"],
        "approved_days_ago": 60,
        "expires_in_days": None,
        "conditions": "Runs in the private cluster only.",
    },
]

POLICIES: dict[str, dict[str, Any]] = {
    "Documentation support": {
        "data_classification": DataClassification.INTERNAL,
        "provider": "Anthropic",
        "model_name": "Claude 3.5 Sonnet",
        "model_version": "20241022",
        "logging_policy": "full",
        "retention_days": 30,
    },
    "Internal IT copilot": {
        "data_classification": DataClassification.INTERNAL,
        "provider": "Azure OpenAI",
        "model_name": "gpt-4o",
        "model_version": "2024-08-06",
        "logging_policy": "redacted",
        "retention_days": 90,
    },
    "Claims triage assistance": {
        "data_classification": DataClassification.CONFIDENTIAL,
        "provider": "Azure OpenAI",
        "model_name": "gpt-4o",
        "model_version": "2024-08-06",
        "logging_policy": "redacted",
        "retention_days": 365,
    },
    "Decision-support preparation": {
        "data_classification": DataClassification.CONFIDENTIAL,
        "provider": "Self-hosted",
        "model_name": "Llama 3.1 70B Instruct",
        "model_version": "",
        "logging_policy": "metadata",
        "retention_days": 730,
    },
    "Contract clause review": {
        "data_classification": DataClassification.CONFIDENTIAL,
        "provider": "OpenAI",
        "model_name": "gpt-4-turbo",
        "model_version": "2024-04-09",
        "logging_policy": "metadata",
        "retention_days": 180,
    },
}
POLICY_DEFAULTS: dict[str, Any] = {
    "redaction_rules": "Mask names, policy numbers, bank details and national ids before logging.",
    "escalation_contacts": "AI governance desk: governance@demo.example\nOn-call engineer: +44 20 7946 0000",
}

EVIDENCE_TEXT = "Confirmed with the data owner in the design review; minutes linked in the spec."


def _users(users: dict[Any, User]) -> tuple[User, User, User]:
    return users[Role.PROGRAM_MANAGER], users[Role.GOVERNANCE_REVIEWER], users[Role.ORG_ADMIN]


def _registry(organization: Organization, reviewer: User) -> None:
    today = timezone.localdate()
    for spec in REGISTRY:
        if ApprovedModel.objects.filter(
            organization=organization,
            provider=spec["provider"],
            model_name=spec["model_name"],
            version=spec["version"],
        ).exists():
            continue
        approved_on = today - dt.timedelta(days=spec["approved_days_ago"])
        expires = spec["expires_in_days"]
        services.approved_model_save(
            actor=reviewer,
            organization=organization,
            provider=spec["provider"],
            model_name=spec["model_name"],
            version=spec["version"],
            data_classifications=spec["data_classifications"],
            approved_on=approved_on,
            expires_on=today + dt.timedelta(days=expires) if expires is not None else None,
            conditions=spec["conditions"],
        )


def _policy(use_case: UseCase, pm: User) -> None:
    if UseCasePolicy.objects.filter(use_case=use_case).exists():
        return
    fields = {**POLICY_DEFAULTS, **POLICIES.get(use_case.name, POLICIES["Internal IT copilot"])}
    services.policy_update(actor=pm, use_case=use_case, **fields)


def _submit(item: GovernanceItem, pm: User, **extra: Any) -> None:
    services.evidence_submit(
        actor=pm,
        item=item,
        kind=extra.pop("kind", EvidenceKind.TEXT),
        text=extra.pop("text", EVIDENCE_TEXT),
        **extra,
    )


def _approve(
    item: GovernanceItem, pm: User, reviewer: User, comment: str = "Evidence is sufficient."
) -> None:
    item.refresh_from_db()
    if item.status in (ItemStatus.OPEN, ItemStatus.REJECTED):
        _submit(item, pm)
        item.refresh_from_db()
    if item.status == ItemStatus.SUBMITTED:
        services.item_sign_off(actor=reviewer, item=item, decision="approved", comment=comment)


def _approve_gates(use_case: UseCase, phases: list[int], pm: User, reviewer: User) -> None:
    items = GovernanceItem.objects.filter(
        checklist__use_case=use_case, gate_phase__in=phases, required=True
    ).exclude(status__in=(ItemStatus.APPROVED, ItemStatus.NOT_APPLICABLE))
    for item in items.order_by("gate_phase", "position", "pk"):
        _approve(item, pm, reviewer)


def _ready(use_case: UseCase, users: dict[Any, User]) -> None:
    pm, reviewer, admin = _users(users)
    _registry(use_case.organization, reviewer)
    services.checklist_ensure(use_case=use_case, actor=admin)
    _policy(use_case, pm)


def prepare_gate(*, use_case: UseCase, users: dict[Any, User], phase: int, **_: Any) -> None:
    """Before seed_demo passes ``use_case`` through the gate of ``phase``: sign its items off."""
    pm, reviewer, _admin = _users(users)
    with transaction.atomic():
        _ready(use_case, users)
        _approve_gates(use_case, list(range(1, phase + 1)), pm, reviewer)


def _items(use_case: UseCase, phase: int) -> list[GovernanceItem]:
    return list(
        GovernanceItem.objects.filter(checklist__use_case=use_case, gate_phase=phase).order_by(
            "position", "pk"
        )
    )


def _states(use_case: UseCase, users: dict[Any, User]) -> None:
    """The current phase's items in a mix of states; passed gates approved."""
    pm, reviewer, _admin = _users(users)
    passed = passed_gate_phases(use_case)
    # Approvals sent back to review by the demo's own spec changes are re-approved, except on
    # the IT copilot, which keeps its re-review to show what one looks like.
    if use_case.name != "Internal IT copilot":
        _approve_gates(use_case, passed, pm, reviewer)
    if use_case.status != "pilot" and use_case.status != "in_transition":
        return
    current = _items(use_case, use_case.current_phase)
    if any(i.evidence.exists() for i in current):
        return  # seeded before
    today = timezone.localdate()
    name = use_case.name
    if name == "Documentation support":
        # The browser scenario: two approved, two awaiting the reviewer.
        a, b, c, d = current[:4]
        _approve(a, pm, reviewer, "Classification confirmed by the data owner.")
        _submit(
            b, pm, kind=EvidenceKind.LINK, url="https://wiki.demo.example/ai/registry/claude-3-5"
        )
        services.item_assign(
            actor=pm, item=b, assigned_reviewer=reviewer, due_date=today + dt.timedelta(days=5)
        )
        _submit(c, pm, text="Full prompts and responses logged to the audit store for 30 days.")
        _approve(d, pm, reviewer, "Thresholds agreed with the platform lead.")
    elif name == "Supplier invoice matching":
        # Ready for its next gate: every phase-1 item signed off (the executive portfolio).
        for item in current:
            _approve(item, pm, reviewer, "Evidence checked against the finance data policy.")
    elif name == "Contract clause review":
        a, b, c = current[:3]
        _submit(a, pm, text="Contracts are confidential; the legal data owner confirmed.")
        services.item_sign_off(
            actor=reviewer,
            item=a,
            decision="rejected",
            comment="Supplier contracts can hold personal data of signatories: classify as "
            "restricted or show they are masked.",
        )
        _submit(
            b, pm, kind=EvidenceKind.LINK, url="https://wiki.demo.example/ai/registry/gpt-4-turbo"
        )
        # c stays open.
        for item in GovernanceItem.objects.filter(
            checklist__use_case=use_case, title="Redaction rules tested on real traffic"
        ):
            services.item_mark_not_applicable(
                actor=reviewer,
                item=item,
                reason="Only metadata is logged for this use case: no contract text is stored, "
                "so there is nothing to redact.",
            )
    else:
        # Later phases: one approved, one awaiting review (expiring soon), the rest open.
        if current:
            _approve(current[0], pm, reviewer)
        if len(current) > 1:
            _submit(
                current[1],
                pm,
                text="Access review of the integration service account, signed by the owner.",
                effective_date=today - dt.timedelta(days=30),
                expires_on=today + dt.timedelta(days=10),
            )


def _incidents(organization: Organization, users: dict[Any, User]) -> None:
    pm, reviewer, _admin = _users(users)
    decision = UseCase.objects.filter(
        organization=organization, name="Decision-support preparation"
    ).first()
    if decision is not None and not Incident.objects.filter(use_case=decision).exists():
        incident = services.incident_open(
            actor=pm,
            use_case=decision,
            title="Committee pack cited a superseded exposure figure",
            description="The pack for the 3 March committee quoted last quarter's exposure for "
            "one counterparty; the analyst caught it before the meeting.",
            severity="high",
        )
        services.incident_update(
            actor=pm,
            incident=incident,
            status="mitigating",
            note="Exposure source switched to the daily risk snapshot; packs re-checked by hand.",
        )
        services.incident_update(
            actor=reviewer,
            incident=incident,
            status="resolved",
            note="Two weeks of packs checked against the snapshot: no other stale figures.",
        )
        services.incident_review(
            actor=reviewer,
            incident=incident,
            review="Cause: the retrieval index kept quarterly files ahead of daily ones. Impact: "
            "none (caught by the analyst). Actions: recency ranking fixed; a freshness check "
            "added to the pack; reviewers reminded to check figures against the source.",
        )
    claims = UseCase.objects.filter(
        organization=organization, name="Claims triage assistance"
    ).first()
    if claims is not None and not Incident.objects.filter(use_case=claims).exists():
        incident = services.incident_open(
            actor=reviewer,
            use_case=claims,
            title="Urgent water-damage claims routed to the standard queue",
            description="Escalation rate rose to 24% on Monday; six urgent claims waited a day.",
            severity="medium",
        )
        services.incident_update(
            actor=pm,
            incident=incident,
            status="mitigating",
            note="Urgency keywords added to the prompt; adjusters re-route by hand meanwhile.",
        )


def seed(*, organization: Organization, users: dict[Any, User], stdout: Any = None) -> None:
    """Idempotent: what exists is left alone; only what is missing is added."""
    for use_case in UseCase.objects.filter(organization=organization).order_by("pk"):
        with transaction.atomic():
            _ready(use_case, users)
    _incidents(organization, users)
    for use_case in UseCase.objects.filter(organization=organization).order_by("pk"):
        with transaction.atomic():
            _states(use_case, users)
    _discussions(organization, users)
    if stdout is not None:
        stdout.write(
            f"Governance: {Checklist.objects.filter(use_case__organization=organization).count()} "
            f"checklist(s), {ApprovedModel.objects.filter(organization=organization).count()} "
            "registry entries."
        )


def _discussions(organization: Organization, users: dict[Any, User]) -> None:
    """Threads on a rejected item (the program manager answers the reviewer) and on an open
    incident, mentioning each other. Idempotent: a thread with comments is left alone."""
    pm, reviewer, _admin = _users(users)
    pm_handle, reviewer_handle = pm.email.split("@")[0], reviewer.email.split("@")[0]
    rejected = GovernanceItem.objects.filter(
        checklist__use_case__organization=organization,
        checklist__use_case__name="Contract clause review",
        status=ItemStatus.REJECTED,
    ).first()
    incident = Incident.objects.filter(
        use_case__organization=organization, use_case__name="Claims triage assistance"
    ).first()
    threads: list[tuple[Any, list[tuple[User, str]]]] = [
        (
            rejected,
            [
                (
                    pm,
                    f"@{reviewer_handle} signatory names and emails are masked before the "
                    "contracts are indexed. Is masking enough, or must the classification "
                    "change to restricted?",
                ),
                (
                    reviewer,
                    f"@{pm_handle} masking is enough if it is shown to work on real contracts: "
                    "attach a test run on last month's batch and I will approve it.",
                ),
            ],
        ),
        (
            incident,
            [
                (
                    reviewer,
                    f"@{pm_handle} please keep the adjusters' manual re-routes in a log, so we "
                    "can tell whether the keyword fix is enough before closing this.",
                ),
            ],
        ),
    ]
    for target, messages in threads:
        if target is None or discussion.thread(discussion.target_of_model(type(target)), target):
            continue
        for author, body in messages:
            readiness_services.comment_add(actor=author, target=target, body=body)
