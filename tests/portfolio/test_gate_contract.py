"""The gate's contract, for every registered check: judging many use cases at once gives each
exactly what judging it alone gives, in a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import Checklist, GovernanceItem, Incident, ItemStatus, UseCasePolicy
from readiness import gate
from readiness.gate import SCALE, Target
from readiness.models import ChecklistItem, UseCase
from tests.factories import make_use_case
from tests.portfolio.executive_support import (  # noqa: F401  (whole_gate is a fixture)
    approve_governance,
    ready_to_scale,
    to_production,
    whole_gate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("whole_gate")]

PHASE2 = Target("phase:2", "Phase 2", 1)
PHASE3 = Target("phase:3", "Phase 3", 2)
PRODUCTION = Target("production", "Production", 3)


@pytest.fixture
def portfolio(org, pm, admin):
    """Use cases in different states against different gates."""
    fresh = make_use_case(org, pm, name="Fresh")  # no checklist, nothing ticked
    Checklist.objects.filter(use_case=fresh).delete()
    half = make_use_case(org, pm, name="Half")
    approve_governance(half, admin)
    item = GovernanceItem.objects.filter(checklist__use_case=half, gate_phase=1).first()
    GovernanceItem.objects.filter(pk=item.pk).update(status=ItemStatus.REJECTED)
    ChecklistItem.objects.filter(phase__use_case=half, phase__number=1).first().delete()
    UseCasePolicy.objects.filter(use_case=half).update(model_name="unknown-model")
    Incident.objects.create(
        use_case=half, title="Outage", description="Down", severity="critical", opened_by=pm
    )
    ready = ready_to_scale(org, pm, admin, name="Ready")
    expired = make_use_case(org, pm, name="Expired")
    approve_governance(expired, admin)
    from governance.models import ApprovedModel

    ApprovedModel.objects.filter(organization=org).update(
        approved_on=timezone.localdate() - dt.timedelta(days=400),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    prod = to_production(make_use_case(org, pm, name="Prod"))
    return [fresh, half, ready, expired, prod]


def _targets(use_cases):
    choices = [PHASE2, PHASE3, PRODUCTION, SCALE]
    return {uc.pk: choices[i % len(choices)] for i, uc in enumerate(use_cases)}


def _reload(use_cases):
    return list(
        UseCase.objects.filter(pk__in=[u.pk for u in use_cases])
        .select_related("organization")
        .order_by("pk")
    )


CHECKS = sorted(gate.registered_checks())


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("shift", [0, 1, 2, 3])
def test_many_at_once_equals_each_alone(portfolio, name, shift):
    check = gate.registered_checks()[name]
    use_cases = _reload(portfolio)
    choices = [PHASE2, PHASE3, PRODUCTION, SCALE]
    targets = {uc.pk: choices[(i + shift) % 4] for i, uc in enumerate(use_cases)}
    found = check(use_cases, targets)
    for uc in use_cases:
        alone = check([uc], {uc.pk: targets[uc.pk]})
        assert found.get(uc.pk, []) == alone.get(uc.pk, []), (uc.name, targets[uc.pk])


def test_every_app_registered_its_checks():
    assert (
        sorted(
            [
                "readiness.exit_criteria",
                "governance.checklist",
                "governance.registry",
                "governance.incidents",
                "metrics.quality_targets",
                "adoption.managers_trained",
            ]
        )
        == CHECKS
    )


def test_the_data_gives_every_kind_of_blocker(portfolio):
    """The equality above is only worth something if the checks do block."""
    use_cases = _reload(portfolio)
    codes = {
        b.code
        for blockers in gate.evaluate_many(use_cases, {uc.pk: SCALE for uc in use_cases}).values()
        for b in blockers
    }
    codes |= {
        b.code
        for b in gate.evaluate_many(use_cases, {uc.pk: PHASE2 for uc in use_cases})[use_cases[1].pk]
    }
    assert {
        "exit_criterion_open",
        "governance_no_checklist",
        "governance_item_not_approved",
        "governance_model_not_registered",
        "governance_model_approval_expired",
        "governance_critical_incident",
        "governance_no_model",
    } <= codes


def test_evaluate_many_equals_evaluate(portfolio):
    use_cases = _reload(portfolio)
    targets = _targets(use_cases)
    many = gate.evaluate_many(use_cases, targets)
    assert set(many) == {uc.pk for uc in use_cases}
    for uc in use_cases:
        assert many[uc.pk] == gate.evaluate(uc, targets[uc.pk])


def test_default_targets_are_the_verdict_gates(portfolio):
    use_cases = _reload(portfolio)
    many = gate.evaluate_many(use_cases)
    for uc in use_cases:
        target = gate.verdict_target(uc)
        assert many[uc.pk] == (gate.evaluate(uc, target) if target else [])
    ready = next(uc for uc in use_cases if uc.name == "Ready")
    # Its model's approval was expired by the fixture for "Expired" (same registry entry).
    assert gate.verdict_target(ready) == SCALE
    assert [b.code for b in many[ready.pk]] == ["governance_model_approval_expired"]


def _queries(check, use_cases, targets):
    with CaptureQueriesContext(connection) as ctx:
        check(use_cases, targets)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_runs_constant_queries(org, pm, admin, name):
    check = gate.registered_checks()[name]
    small = [ready_to_scale(org, pm, admin, name=f"Small {i}") for i in range(2)]
    small_q = _queries(check, _reload(small), {uc.pk: SCALE for uc in small})
    more = small + [ready_to_scale(org, pm, admin, name=f"More {i}") for i in range(6)]
    more_q = _queries(check, _reload(more), {uc.pk: SCALE for uc in more})
    assert small_q == more_q
