import datetime as dt

import pytest
from django.utils import timezone

from adoption import services
from readiness.models import Role
from tests.factories import UserFactory, add_member

TODAY = timezone.localdate
# A Sunday, the last day of its ISO week, for tests frozen with @pytest.mark.time_machine.
SUNDAY = dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)


@pytest.fixture
def manager(org):
    return add_member(org, Role.VIEWER, UserFactory(first_name="Morgan", last_name="Lead"))


@pytest.fixture
def member(org):
    return add_member(org, Role.VIEWER, UserFactory(first_name="Sam", last_name="Agent"))


@pytest.fixture
def boundaries(use_case, pm):
    return services.usage_boundary_publish(
        actor=pm, use_case=use_case, body="Use it to draft replies.\nNever send unchecked."
    )


@pytest.fixture
def cohort(use_case, pm, manager, member):
    return services.cohort_create(
        actor=pm,
        use_case=use_case,
        name="Wave 1",
        team="Support (Leeds)",
        size=10,
        planned_go_live=TODAY() + dt.timedelta(days=7),
        managers=[manager],
        members=[member],
    )


def train(use_case, pm, user, topic="Reviewing suggestions", days_ago=3):
    return services.training_record_add(
        actor=pm,
        use_case=use_case,
        user=user,
        topic=topic,
        completed_on=TODAY() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def live_cohort(cohort, use_case, pm, manager, boundaries):
    train(use_case, pm, manager)
    return services.cohort_go_live(actor=pm, cohort=cohort, on=TODAY() - dt.timedelta(days=14))
