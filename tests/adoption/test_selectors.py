"""Adoption reads: the weekly feedback trend (one aggregate query, correct averages) and what
keeps a cohort from going live."""

import datetime as dt

from django.utils import timezone

from adoption import selectors, services
from adoption.calc import week_start
from adoption.models import Feedback, TrainingRecord
from readiness.models import Role
from tests.adoption.conftest import TODAY, train
from tests.factories import add_member, make_use_case


def test_trend_averages_per_week_in_one_query(
    org, use_case, live_cohort, member, pm, django_assert_num_queries
):
    other = add_member(org, Role.VIEWER)
    services.cohort_update(actor=pm, cohort=live_cohort, members=[member, other])
    today = timezone.localdate()
    last_week = today - dt.timedelta(days=7)
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=2, minutes_saved=30, today=last_week
    )
    services.feedback_submit(
        actor=other, cohort=live_cohort, usefulness=5, trust=3, minutes_saved=61, today=last_week
    )
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=3, trust=3, minutes_saved=10, today=today
    )
    with django_assert_num_queries(1):
        trend = selectors.feedback_trend(use_case, today=today)
    assert len(trend) == 12
    assert [w.week for w in trend[-2:]] == [week_start(last_week), week_start(today)]
    prev, this = trend[-2], trend[-1]
    assert (prev.responses, prev.usefulness, prev.trust, prev.minutes_saved) == (2, 4.5, 2.5, 45.5)
    assert (this.responses, this.usefulness, this.trust, this.minutes_saved) == (1, 3.0, 3.0, 10.0)
    assert all(w.responses == 0 and w.usefulness is None for w in trend[:-2])


def test_trend_ignores_other_use_cases_and_old_weeks(org, use_case, live_cohort, member, pm):
    today = timezone.localdate()
    # An answer from 12 weeks ago (written directly: it predates this test cohort's go-live).
    Feedback.objects.create(
        cohort=live_cohort,
        user=member,
        week=week_start(today - dt.timedelta(weeks=12)),
        usefulness=1,
        trust=1,
        minutes_saved=0,
    )
    other_uc = make_use_case(org, pm)
    assert sum(w.responses for w in selectors.feedback_trend(use_case, today=today)) == 0
    assert sum(w.responses for w in selectors.feedback_trend(other_uc, today=today)) == 0


def test_go_live_blockers_name_what_to_do_and_change_nothing(use_case, pm, cohort, manager):
    empty = services.cohort_create(actor=pm, use_case=use_case, name="Empty", team="x", size=2)
    assert [b.code for b in selectors.go_live_blockers(empty)] == [
        "adoption_no_manager",
        "adoption_no_members",
        "adoption_no_boundaries",
    ]
    blockers = selectors.go_live_blockers(cohort)
    assert [b.code for b in blockers] == ["adoption_manager_untrained", "adoption_no_boundaries"]
    assert manager.display_name in blockers[0].message
    assert blockers[0].url.endswith(f"/adoption/cohorts/{cohort.pk}/#training")
    assert not cohort.is_live


def test_untrained_managers_counts_training_done_by_today(use_case, pm, cohort, manager):
    assert selectors.untrained_managers(cohort) == [manager]
    record = train(use_case, pm, manager, days_ago=0)
    # A record dated after today (the service refuses one; a clock change can make one).
    TrainingRecord.objects.filter(pk=record.pk).update(completed_on=TODAY() + dt.timedelta(days=1))
    assert selectors.untrained_managers(cohort) == [manager]
    TrainingRecord.objects.filter(pk=record.pk).update(completed_on=TODAY())
    assert selectors.untrained_managers(cohort) == []
    assert selectors.trained_user_ids(use_case) == {manager.pk}
