"""Adoption's part of seed_demo: what the demo shows, and running it twice creates nothing twice."""

from django.core.management import call_command
from django.utils import timezone

from adoption.calc import week_start
from adoption.models import (
    Cohort,
    Feedback,
    IterationEntry,
    TrainingRecord,
    UsageBoundary,
)
from adoption.selectors import feedback_trend, untrained_managers
from readiness.audit import verify_chain
from readiness.models import Organization


def counts():
    return [
        m.objects.count() for m in (Cohort, Feedback, IterationEntry, TrainingRecord, UsageBoundary)
    ]


def test_demo_adoption_data_and_idempotent(db):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first

    live = Cohort.objects.get(name="Credit analysts, wave 1")
    assert live.is_live and untrained_managers(live) == []
    assert Feedback.objects.filter(cohort=live).values("week").distinct().count() == 8
    assert sum(w.responses for w in feedback_trend(live.use_case)) == 24
    planned = Cohort.objects.get(name="Credit analysts, wave 2")
    assert not planned.is_live
    assert [u.email for u in untrained_managers(planned)] == ["admin@demo.example"]
    assert list(
        UsageBoundary.objects.filter(use_case=live.use_case).values_list("version", flat=True)
    ) == [2, 1]
    assert IterationEntry.objects.filter(use_case=live.use_case).count() == 3
    # The viewer still has this week's form to fill in.
    this_week = week_start(timezone.localdate())
    assert not Feedback.objects.filter(
        cohort=live, user__email="viewer@demo.example", week=this_week
    ).exists()
    assert verify_chain(Organization.objects.get(slug="demo")) == []
