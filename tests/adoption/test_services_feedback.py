"""Weekly feedback services: one answer per person, cohort and week, from live cohorts only."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from adoption import services
from adoption.models import Feedback
from readiness.models import AuditEvent
from tests.adoption.conftest import SUNDAY

TODAY = timezone.localdate


def actions(org):
    """The feedback's own audit actions (a first answer also ticks the workstream item)."""
    return list(
        AuditEvent.objects.filter(organization=org, action__startswith="feedback.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def give(cohort, user, today=None, **over):
    values = {"usefulness": 4, "trust": 3, "minutes_saved": 45, "comment": "Good week."}
    values.update(over)
    return services.feedback_submit(actor=user, cohort=cohort, today=today, **values)


@pytest.mark.time_machine(SUNDAY, tick=False)
def test_feedback_once_per_week_edits_in_the_week(org, live_cohort, member):
    monday = dt.date(2026, 11, 23)  # the frozen Sunday's week: answers from Monday to Sunday
    first = give(live_cohort, member)  # today, the Sunday
    assert first.week == monday
    again = give(live_cohort, member, today=monday, usefulness=5)
    assert first.pk == again.pk and Feedback.objects.count() == 1
    assert Feedback.objects.get().usefulness == 5
    assert actions(org)[-2:] == ["feedback.submit", "feedback.update"]
    give(live_cohort, member, today=monday + dt.timedelta(days=4), usefulness=5)  # no change
    assert actions(org)[-1] == "feedback.update"
    assert AuditEvent.objects.filter(action="feedback.update").count() == 1
    # Answers are personal: audited, but not on the use case's history, which every member reads.
    assert not AuditEvent.objects.filter(
        action__startswith="feedback.", use_case__isnull=False
    ).exists()
    nxt = give(live_cohort, member, today=monday + dt.timedelta(days=7))
    assert nxt.pk != first.pk and nxt.week == monday + dt.timedelta(days=7)


def test_feedback_unique_per_week_in_the_database(live_cohort, member):
    fb = give(live_cohort, member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(
            cohort=live_cohort, user=member, week=fb.week, usefulness=1, trust=1, minutes_saved=0
        )


def test_feedback_scores_are_checked(live_cohort, member):
    for bad in ({"usefulness": 6}, {"trust": 0}, {"minutes_saved": 99999}):
        with pytest.raises(ValidationError) as exc:
            give(live_cohort, member, **bad)
        assert set(bad) <= set(exc.value.message_dict)
    assert not Feedback.objects.exists()


def test_feedback_only_from_members_of_a_live_cohort(org, cohort, live_cohort, manager, pm):
    with pytest.raises(PermissionDenied):
        give(live_cohort, pm)  # a program manager who is not in the cohort
    with pytest.raises(PermissionDenied):
        give(live_cohort, manager)  # managers are not members unless named as such
    planned = services.cohort_create(
        actor=pm, use_case=live_cohort.use_case, name="Wave 2", team="x", size=2, members=[pm]
    )
    with pytest.raises(ValidationError, match="not live"):
        give(planned, pm)
    assert not Feedback.objects.exists()


def test_feedback_stops_when_membership_ends(org, live_cohort, member):
    org.memberships.filter(user=member).delete()
    with pytest.raises(PermissionDenied):
        give(live_cohort, member)
