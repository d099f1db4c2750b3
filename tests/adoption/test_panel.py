"""The weekly feedback trend: one aggregate query, correct averages, the scorecard panel and
the portfolio facts."""

import datetime as dt

from django.utils import timezone

from adoption import selectors, services
from adoption.calc import week_start
from adoption.contrib import feedback_panel
from adoption.models import Feedback
from readiness import contrib
from readiness.models import Role
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


def test_scorecard_panel(use_case, live_cohort, member):
    assert feedback_panel(use_case) is None  # nobody answered yet
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=20
    )
    (panel,) = contrib.panels("scorecard", use_case)
    assert panel.template == "adoption/partials/feedback_trend.html"
    assert panel.context["trend_chart"]["usefulness"][-1] == 4.0
    assert panel.context["adoption_url"].endswith(f"/adoption/use-cases/{use_case.pk}/")


def test_panel_renders_chart_data_and_table(use_case, live_cohort, member):
    from django.template.loader import render_to_string

    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=20
    )
    panel = feedback_panel(use_case)
    html = render_to_string(panel.template, panel.context)
    assert f'id="feedback-trend-{use_case.pk}-data"' in html
    assert "<caption" in html and "Weekly figures" in html


def test_portfolio_facts_constant_queries(
    org, use_case, live_cohort, pm, django_assert_num_queries
):
    others = [make_use_case(org, pm) for _ in range(3)]
    with django_assert_num_queries(3):
        facts = selectors.portfolio_facts([use_case, *others])
    assert facts[use_case.pk]["adoption"] == {"live_cohorts": 1, "trained_pct": 100}
    assert facts[others[0].pk]["adoption"] == {"live_cohorts": 0, "trained_pct": None}


def test_panel_shows_on_the_use_case_scorecard(client, org, use_case, live_cohort, member, viewer):
    from django.urls import reverse

    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=20
    )
    client.force_login(viewer)
    page = client.get(reverse("scorecard_use_case", kwargs={"org": org.slug, "pk": use_case.pk}))
    assert page.status_code == 200
    assert "Weekly user feedback" in page.text
    assert f'id="feedback-trend-{use_case.pk}-data"' in page.text
