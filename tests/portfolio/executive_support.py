"""Test data for the executive pages: use cases at each verdict, built from real rows.

Governance sign-offs, roll-ups and cohorts are written directly (the services that write them
have their own tests); what the executive pages read is what they would read in production.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from readiness import events, gate, services
from readiness.models import Integration, UseCase, UseCaseStatus, User
from tests.factories import make_use_case

SPEC = {
    "inputs": "The ticket text and the customer's last three tickets.",
    "output_format": "A queue name and a one-paragraph suggested reply.",
    "uncertainty_behavior": "Route to the general queue and say why.",
    "human_approval": "An agent approves every reply before it is sent to the customer.",
    "source_systems": "Zendesk, the knowledge base.",
    "acceptable_latency": "Under 3 seconds",
}
DONE = {f: "done" for f in Integration.CONCERNS}

# The whole gate as the project starts it (readiness, governance, metrics, adoption checks).
# tests/readiness/conftest.py narrows the gate to readiness's own check for readiness tests;
# the executive pages gather what every app says, so their tests put the whole gate back.
WHOLE_GATE = dict(gate._checks)
ALL_SUBSCRIBERS = {kind: dict(found) for kind, found in events._subscribers.items()}


@pytest.fixture
def whole_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "_checks", dict(WHOLE_GATE))
    monkeypatch.setattr(
        events,
        "_subscribers",
        defaultdict(dict, {kind: dict(found) for kind, found in ALL_SUBSCRIBERS.items()}),
    )


def approve_governance(use_case: UseCase, actor: User) -> None:
    """A checklist with every item approved, and a policy on a registered, approved model."""
    from governance.models import ApprovedModel, GovernanceItem, ItemStatus, UseCasePolicy
    from governance.services.checklists import checklist_ensure

    checklist_ensure(use_case=use_case, actor=actor)
    GovernanceItem.objects.filter(checklist__use_case=use_case).update(
        status=ItemStatus.APPROVED, decided_by=actor, decided_at=timezone.now()
    )
    ApprovedModel.objects.get_or_create(
        organization=use_case.organization,
        provider="Azure OpenAI",
        model_name="gpt-4o",
        version="2024-08-06",
        defaults={"data_classifications": ["public", "internal", "confidential"]},
    )
    UseCasePolicy.objects.update_or_create(
        use_case=use_case,
        defaults={
            "provider": "Azure OpenAI",
            "model_name": "gpt-4o",
            "model_version": "2024-08-06",
            "escalation_contacts": "governance@example.com",
        },
    )


def prove_value(use_case: UseCase, weeks: int = 6) -> None:
    """Throughput with a target and a baseline, and ``weeks`` complete weeks of roll-ups."""
    from metrics.models import MetricDefinition, MetricTarget, Period, Rollup

    metric = MetricDefinition.objects.get(organization__isnull=True, key="throughput")
    MetricTarget.objects.update_or_create(
        use_case=use_case,
        metric=metric,
        defaults={"target": 160.0, "warning": 130.0, "baseline": 100.0},
    )
    today = timezone.now().astimezone(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    for i in range(weeks):
        for period, start, count in [(Period.WEEK, monday - dt.timedelta(weeks=i), 500)] + [
            (Period.DAY, monday - dt.timedelta(weeks=i) + dt.timedelta(days=d), 70)
            for d in range(7)
        ]:
            Rollup.objects.update_or_create(
                use_case=use_case,
                metric=metric,
                period=period,
                period_start=start,
                defaults={
                    "count": count,
                    "days": 7 if period == Period.WEEK else 1,
                    "sum": 190.0 * count,
                    "mean": 190.0,
                    "min": 150.0,
                    "max": 230.0,
                    "p50": 190.0,
                    "computed_at": timezone.now(),
                },
            )


def live_cohort(use_case: UseCase) -> None:
    from adoption.models import Cohort, CohortStatus

    Cohort.objects.get_or_create(
        use_case=use_case,
        name="First team",
        defaults={
            "team": use_case.team,
            "size": 8,
            "status": CohortStatus.LIVE,
            "actual_go_live": timezone.localdate() - dt.timedelta(days=20),
        },
    )


def live_integration(use_case: UseCase, actor: User, name: str = "Zendesk") -> Integration:
    return services.integration_save(
        actor=actor, use_case=use_case, name=name, kind="ticketing", status="live", **DONE
    )


def to_production(use_case: UseCase) -> UseCase:
    """Past the plan, as if its three gates were passed (they have their own tests)."""
    from readiness.models import ChecklistItem, Phase

    ChecklistItem.objects.filter(phase__use_case=use_case).update(done=True)
    Phase.objects.filter(use_case=use_case).update(actual_end=timezone.localdate())
    UseCase.objects.filter(pk=use_case.pk).update(status=UseCaseStatus.PRODUCTION, current_phase=3)
    use_case.refresh_from_db()
    return use_case


def ready_to_scale(org: Any, pm: User, admin: User, **overrides: Any) -> UseCase:
    """A use case in production with all six answers unflagged and no scale blocker."""
    use_case = make_use_case(org, pm, owner=pm, **overrides)
    services.behavior_spec_save(actor=pm, use_case=use_case, change_note="v1", **SPEC)
    approve_governance(use_case, admin)
    live_integration(use_case, pm)
    prove_value(use_case)
    live_cohort(use_case)
    return to_production(use_case)
