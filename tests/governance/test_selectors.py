"""Governance reads the services, the gate checks and the pages share: who reviews, which gates
a use case has passed, which template applies, and how its model stands in the registry."""

import datetime as dt

import pytest
from django.utils import timezone

from governance import selectors, services
from governance.models import ApprovedModel, ChecklistTemplate, UseCasePolicy
from readiness.models import Role
from tests.factories import add_member, make_use_case
from tests.governance.conftest import register_model


def test_reviewers_are_reviewers_and_admins_only_when_allowed(org, admin, pm, reviewer):
    assert selectors.reviewers_of(org) == [reviewer]
    org.admins_may_sign_off = True
    org.save(update_fields=["admins_may_sign_off"])
    assert set(selectors.reviewers_of(org)) == {admin, reviewer}
    assert selectors.is_member(org, pm)
    assert not selectors.is_member(org, None)


def test_is_member_is_per_organization(org, other_org):
    _, other_admin, _ = other_org
    assert not selectors.is_member(org, other_admin)


@pytest.mark.parametrize(
    ("status", "phase", "passed"),
    [
        ("pilot", 1, []),
        ("in_transition", 2, [1]),
        ("in_transition", 3, [1, 2]),
        ("production", 3, [1, 2, 3]),
        ("scaled", 3, [1, 2, 3]),
    ],
)
def test_passed_gate_phases(use_case, status, phase, passed):
    use_case.status, use_case.current_phase = status, phase
    assert selectors.passed_gate_phases(use_case) == passed


def test_default_template_is_the_organizations_own_else_the_builtin(org, admin):
    builtin = selectors.default_template_for(org.pk)
    assert builtin is not None and builtin.organization_id is None
    own = services.template_copy(actor=admin, organization=org, template=builtin, name="Ours")
    services.template_set_default(actor=admin, template=own)
    assert selectors.default_template_for(org.pk) == own
    assert ChecklistTemplate.objects.filter(is_default=True).count() == 2


def test_registry_status_and_states_agree_for_every_state(org, admin, pm, reviewer):
    """registry_states judges many use cases at once; for each it says what registry_status
    says of that use case alone."""
    expected = {}
    none = make_use_case(org, pm, name="No policy")
    expected[none.pk] = "missing_policy"
    no_model = make_use_case(org, pm, name="No model")
    services.policy_update(actor=pm, use_case=no_model, logging_policy="none")
    expected[no_model.pk] = "no_model"
    unknown = make_use_case(org, pm, name="Unknown model")
    services.policy_update(actor=pm, use_case=unknown, provider="Other", model_name="x")
    expected[unknown.pk] = "not_registered"
    ok = make_use_case(org, pm, name="Registered")
    register_model(org, reviewer, ok, pm)
    expected[ok.pk] = "ok"
    secret = make_use_case(org, pm, name="Restricted data")
    services.policy_update(
        actor=pm,
        use_case=secret,
        data_classification="restricted",
        provider="ACME AI",  # the registry matches case-insensitively
        model_name="acme-large",
        model_version="1",
    )
    expected[secret.pk] = "classification"
    use_cases = [none, no_model, unknown, ok, secret]
    states = selectors.registry_states(use_cases)
    for uc in use_cases:
        policy = UseCasePolicy.objects.filter(use_case=uc).first()
        state, entry = selectors.registry_status(policy)
        assert (state, states[uc.pk][1]) == (expected[uc.pk], expected[uc.pk]), uc.name
        assert states[uc.pk][2] == entry
    later = timezone.localdate() + dt.timedelta(days=400)
    ApprovedModel.objects.update(expires_on=timezone.localdate() + dt.timedelta(days=1))
    policy = UseCasePolicy.objects.get(use_case=ok)
    assert selectors.registry_status(policy, today=later)[0] == "expired"
    assert selectors.registry_states([ok], today=later)[ok.pk][1] == "expired"


def test_registry_states_in_two_queries(org, pm, reviewer, django_assert_num_queries):
    use_cases = [make_use_case(org, pm, name=f"Use case {n}") for n in range(4)]
    register_model(org, reviewer, use_cases[0], pm)
    with django_assert_num_queries(2):
        states = selectors.registry_states(use_cases)
    assert [states[uc.pk][1] for uc in use_cases] == ["ok", *["missing_policy"] * 3]


def test_use_case_policy_sets_the_use_case(use_case, pm, django_assert_num_queries):
    assert selectors.use_case_policy(use_case) is None
    services.policy_update(actor=pm, use_case=use_case, logging_policy="none")
    with django_assert_num_queries(1):
        policy = selectors.use_case_policy(use_case)
        assert policy is not None and policy.use_case.name == use_case.name


def test_an_executive_is_not_a_reviewer(org):
    executive = add_member(org, Role.EXECUTIVE)
    assert executive not in selectors.reviewers_of(org)
