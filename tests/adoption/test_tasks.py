"""The weekly reminder job: members of live cohorts who have not answered, once per week."""

import datetime as dt

import pytest
from django.utils import timezone

from adoption import services, tasks
from adoption.models import FeedbackReminder
from readiness.models import Notification, Role
from tests.adoption.conftest import SUNDAY
from tests.factories import add_member

KIND = "adoption.feedback_reminder"


def reminded(user):
    return Notification.objects.filter(recipient=user, kind=KIND).count()


@pytest.mark.time_machine(SUNDAY, tick=False)
def test_reminds_each_member_once_a_week(
    org, live_cohort, member, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.send_feedback_reminders() == 1
    assert len(callbacks) == 1  # the email goes after commit
    assert reminded(member) == 1 and reminded(manager) == 0  # managers are not members here
    note = Notification.objects.get(recipient=member)
    assert note.url == f"/o/{org.slug}/adoption/feedback/"
    # Running again the same week (or retrying) reminds nobody twice.
    assert tasks.send_feedback_reminders() == 0
    assert reminded(member) == 1
    assert FeedbackReminder.objects.get().week == dt.date(2026, 11, 23)  # that Sunday's Monday


def test_does_not_remind_those_who_answered(org, use_case, live_cohort, member, pm):
    other = add_member(org, Role.VIEWER)
    services.cohort_update(actor=pm, cohort=live_cohort, members=[member, other])
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=30
    )
    assert tasks.send_feedback_reminders() == 1
    assert reminded(member) == 0 and reminded(other) == 1


def test_next_week_reminds_again(live_cohort, member):
    today = timezone.localdate()
    assert services.feedback_reminders_send(today=today) == 1
    assert services.feedback_reminders_send(today=today + dt.timedelta(days=7)) == 1
    assert reminded(member) == 2


def test_planned_cohorts_and_former_members_are_not_reminded(org, cohort, live_cohort, member, pm):
    org.memberships.filter(user=member).delete()
    assert tasks.send_feedback_reminders() == 0


def test_member_of_two_live_cohorts_gets_one_reminder(
    org, use_case, live_cohort, member, pm, manager
):
    second = services.cohort_create(
        actor=pm,
        use_case=use_case,
        name="Wave 2",
        team="x",
        size=3,
        managers=[manager],
        members=[member],
    )
    services.cohort_go_live(actor=pm, cohort=second)
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=30
    )
    assert tasks.send_feedback_reminders() == 1  # Wave 2 still unanswered
    assert reminded(member) == 1
