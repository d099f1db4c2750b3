"""Adoption's check on the readiness gate: production and scale are blocked by a live cohort
whose managers are not all trained; scale also needs a live cohort."""

from adoption.checks import managers_trained_check
from adoption.models import TrainingRecord
from readiness import gate
from readiness.gate import Target
from readiness.models import Role
from tests.factories import UserFactory, add_member

PRODUCTION = Target("production", "Production", 3)
SCALE = Target("scale", "Scale", None)
PHASE_2 = Target("phase:2", "Phase 2", 1)


def judge(use_case, target):
    """The check asked about one use case, as the gate asks it."""
    return managers_trained_check([use_case], {use_case.pk: target}).get(use_case.pk, [])


def test_registered_on_the_gate():
    assert gate.registered_checks()["adoption.managers_trained"] is managers_trained_check


def test_phase_gates_are_not_concerned(use_case, cohort):
    assert judge(use_case, PHASE_2) == []


def test_production_passes_without_cohorts_but_scale_needs_a_live_one(use_case):
    assert judge(use_case, PRODUCTION) == []
    (blocker,) = judge(use_case, SCALE)
    assert blocker.code == "adoption_no_live_cohort"
    assert blocker.url.endswith(f"/adoption/use-cases/{use_case.pk}/")


def test_planned_cohorts_do_not_block_production(use_case, cohort):
    assert judge(use_case, PRODUCTION) == []


def test_live_cohort_with_trained_managers_passes(use_case, live_cohort):
    assert judge(use_case, PRODUCTION) == []
    assert judge(use_case, SCALE) == []


def test_live_cohort_with_an_untrained_manager_blocks_naming_them(
    org, use_case, live_cohort, manager, django_assert_max_num_queries
):
    # A manager's training record removed after go-live (or a manager added by an admin tool).
    TrainingRecord.objects.filter(user=manager).delete()
    extra = add_member(org, Role.VIEWER, UserFactory(first_name="Jo", last_name="Second"))
    live_cohort.managers.add(extra)
    with django_assert_max_num_queries(3):
        blockers = judge(use_case, PRODUCTION)
    assert [b.detail["user"] for b in blockers] == sorted(
        [manager.email, extra.email], key=lambda e: e != extra.email
    )
    assert "Jo Second manages the live cohort Wave 1" in blockers[0].message
    assert blockers[0].url.endswith(f"/adoption/cohorts/{live_cohort.pk}/#training")
    assert len(judge(use_case, SCALE)) == 2


def test_the_readiness_gate_asks_it(use_case, live_cohort, manager):
    TrainingRecord.objects.filter(user=manager).delete()
    codes = [b.code for b in gate.evaluate(use_case, PRODUCTION)]
    assert "adoption_live_manager_untrained" in codes


def test_many_at_once_agrees_with_one_at_a_time_in_constant_queries(
    org, pm, use_case, live_cohort, manager, django_assert_num_queries
):
    from adoption import services
    from readiness.models import UseCase
    from tests.factories import make_use_case

    TrainingRecord.objects.filter(user=manager).delete()
    others = [make_use_case(org, pm) for _ in range(4)]
    # One more use case with a live cohort whose manager is trained.
    trained_uc = others[0]
    boss = add_member(org, Role.VIEWER)
    services.usage_boundary_publish(actor=pm, use_case=trained_uc, body="Rules.")
    services.training_record_add(
        actor=pm,
        use_case=trained_uc,
        user=boss,
        topic="Basics",
        completed_on=live_cohort.actual_go_live,
    )
    c = services.cohort_create(
        actor=pm, use_case=trained_uc, name="W", team="t", size=2, managers=[boss], members=[boss]
    )
    services.cohort_go_live(actor=pm, cohort=c)
    ucs = list(UseCase.objects.filter(organization=org).order_by("pk"))  # organization not loaded
    targets = {uc.pk: (SCALE if i % 2 else PRODUCTION) for i, uc in enumerate(ucs)}
    targets[ucs[-1].pk] = PHASE_2
    with django_assert_num_queries(4):
        many = managers_trained_check(ucs, targets)
    for uc in ucs:
        alone = managers_trained_check([uc], {uc.pk: targets[uc.pk]})
        assert many.get(uc.pk, []) == alone.get(uc.pk, []), uc.name
    assert gate.registered_checks()["adoption.managers_trained"] is managers_trained_check
