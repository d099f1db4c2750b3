"""Cohort services: planning, changes, training records and the go-live gate."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from adoption import services
from adoption.models import Cohort, TrainingRecord
from readiness.errors import Conflict, GateRefused
from readiness.models import AuditEvent, Role
from tests.adoption.conftest import train
from tests.conftest import WRITE_ROLE_VALUES, WRITE_ROLES, roles_except
from tests.factories import UserFactory, add_member

TODAY = timezone.localdate


def actions(org):
    return list(
        AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )


def test_cohort_create_role_matrix(org, use_case, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        cohort = services.cohort_create(
            actor=user, use_case=use_case, name="Wave 1", team="Support", size=5
        )
        assert cohort.status == Cohort.Status.PLANNED
        assert "cohort.create" in actions(org)
    else:
        with pytest.raises(PermissionDenied):
            services.cohort_create(
                actor=user, use_case=use_case, name="Wave 1", team="Support", size=5
            )
        assert not Cohort.objects.exists()


def test_cohort_create_refuses_people_outside_the_organization(use_case, pm, other_org):
    _, stranger, _ = other_org
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(
            actor=pm, use_case=use_case, name="Wave 1", team="Support", size=5, managers=[stranger]
        )
    assert stranger.display_name in str(exc.value.message_dict["managers"])
    assert not Cohort.objects.exists()


def test_cohort_names_are_unique_per_use_case_and_size_is_positive(use_case, pm, cohort):
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(actor=pm, use_case=use_case, name="wave 1", team="x", size=3)
    assert "already exists" in str(exc.value.message_dict["name"])
    with pytest.raises(ValidationError) as exc:
        services.cohort_create(actor=pm, use_case=use_case, name="Wave 2", team="x", size=0)
    assert "size" in exc.value.message_dict
    assert Cohort.objects.count() == 1


def test_cohort_update_audits_only_what_changed(org, cohort, pm, member):
    other = add_member(org, Role.VIEWER)
    services.cohort_update(actor=pm, cohort=cohort, size=12, members=[member, other])
    event = AuditEvent.objects.filter(action="cohort.update").get()
    assert event.before == {"size": 10, "members": [member.email]}
    assert event.after == {"size": 12, "members": sorted([member.email, other.email])}
    services.cohort_update(actor=pm, cohort=cohort, size=12)
    assert AuditEvent.objects.filter(action="cohort.update").count() == 1


def test_untrained_manager_cannot_join_a_live_cohort(org, live_cohort, pm, manager):
    newcomer = add_member(org, Role.VIEWER, UserFactory(first_name="Nia", last_name="New"))
    with pytest.raises(ValidationError) as exc:
        services.cohort_update(actor=pm, cohort=live_cohort, managers=[manager, newcomer])
    assert "Nia New" in str(exc.value.message_dict["managers"])
    assert list(live_cohort.managers.all()) == [manager]


def test_go_live_refused_naming_each_untrained_manager(org, cohort, pm, boundaries):
    second = add_member(org, Role.VIEWER, UserFactory(first_name="Ada", last_name="Boss"))
    services.cohort_update(actor=pm, cohort=cohort, managers=[*cohort.managers.all(), second])
    with pytest.raises(GateRefused) as exc:
        services.cohort_go_live(actor=pm, cohort=cohort)
    messages = [b.message for b in exc.value.blockers]
    assert len(messages) == 2
    assert messages[0].startswith("Ada Boss, manager of Wave 1, has no training record")
    assert messages[1].startswith("Morgan Lead, manager of Wave 1")
    assert all(
        b.url.endswith(f"/adoption/cohorts/{cohort.pk}/#training") for b in exc.value.blockers
    )
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.PLANNED and cohort.actual_go_live is None
    refused = AuditEvent.objects.get(action="cohort.go_live_refused")
    assert "Ada Boss" in refused.after["blockers"][0]


def test_go_live_needs_boundaries_managers_and_members(use_case, pm):
    empty = services.cohort_create(actor=pm, use_case=use_case, name="Empty", team="x", size=2)
    with pytest.raises(GateRefused) as exc:
        services.cohort_go_live(actor=pm, cohort=empty)
    assert [b.code for b in exc.value.blockers] == [
        "adoption_no_manager",
        "adoption_no_members",
        "adoption_no_boundaries",
    ]


def test_go_live_passes_once_managers_are_trained(org, cohort, use_case, pm, manager, boundaries):
    train(use_case, pm, manager)
    live = services.cohort_go_live(actor=pm, cohort=cohort)
    assert live.status == Cohort.Status.LIVE and live.actual_go_live == TODAY()
    assert AuditEvent.objects.filter(action="cohort.go_live").exists()
    with pytest.raises(Conflict):
        services.cohort_go_live(actor=pm, cohort=cohort)


def test_training_in_the_future_does_not_count(cohort, use_case, pm, manager, boundaries):
    with pytest.raises(ValidationError):
        services.training_record_add(
            actor=pm,
            use_case=use_case,
            user=manager,
            topic="Later",
            completed_on=TODAY() + dt.timedelta(days=1),
        )
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize("user_in_role", WRITE_ROLE_VALUES, indirect=True)
def test_go_live_allowed_to_write_roles(cohort, use_case, pm, manager, boundaries, user_in_role):
    train(use_case, pm, manager)
    live = services.cohort_go_live(actor=user_in_role, cohort=cohort)
    assert live.status == Cohort.Status.LIVE


@pytest.mark.parametrize("user_in_role", roles_except(*WRITE_ROLES), indirect=True)
def test_go_live_forbidden_to_read_only_roles(
    cohort, use_case, pm, manager, boundaries, user_in_role
):
    train(use_case, pm, manager)  # everything ready: only the role stands in the way
    with pytest.raises(PermissionDenied):
        services.cohort_go_live(actor=user_in_role, cohort=cohort)
    cohort.refresh_from_db()
    assert cohort.status == Cohort.Status.PLANNED


def test_training_record_once_per_topic(org, use_case, pm, manager):
    train(use_case, pm, manager, topic="Escalations")
    with pytest.raises(ValidationError) as exc:
        train(use_case, pm, manager, topic="escalations")
    assert "already has a record" in str(exc.value.message_dict["topic"])
    assert TrainingRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="training.record").count() == 1


def test_training_record_role_matrix(use_case, manager, role_member):
    role, user = role_member
    if role in WRITE_ROLES:
        train(use_case, user, manager)
        assert TrainingRecord.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            train(use_case, user, manager)
        assert not TrainingRecord.objects.exists()
