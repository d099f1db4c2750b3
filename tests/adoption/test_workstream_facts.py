"""The Adoption rollout workstream's items follow the cohorts, the managers' training, the usage
boundaries and the weekly feedback; weekly feedback unticks when a week passes without any
(the daily job, frozen clock on several days)."""

import datetime as dt

import pytest
import time_machine

from adoption import services
from adoption.tasks import sync_workstream_facts
from adoption.workstream_facts import adoption_facts, facts_sync
from readiness import services as readiness_services
from readiness.errors import Conflict
from readiness.facts import Fact
from readiness.models import ChecklistItem, Role
from tests.adoption.conftest import SUNDAY, train
from tests.factories import add_member


def ticked(use_case, fact):
    return ChecklistItem.objects.get(workstream__use_case=use_case, fact=fact).done


def test_a_first_cohort_and_published_boundaries_tick_their_items(use_case, pm, manager):
    assert not ticked(use_case, Fact.COHORT) and not ticked(use_case, Fact.BOUNDARIES)
    services.cohort_create(
        actor=pm, use_case=use_case, name="Wave 1", team="Support", size=8, managers=[manager]
    )
    assert ticked(use_case, Fact.COHORT)
    services.usage_boundary_publish(actor=pm, use_case=use_case, body="Draft replies only.")
    assert ticked(use_case, Fact.BOUNDARIES)
    ws = use_case.workstreams.get(number=7)
    assert ws.status == "in_progress"


def test_managers_trained_follows_the_training_records_both_ways(
    org, use_case, pm, cohort, manager
):
    assert not ticked(use_case, Fact.MANAGERS_TRAINED)  # the manager has no training record
    train(use_case, pm, manager)
    assert ticked(use_case, Fact.MANAGERS_TRAINED)
    newcomer = add_member(org, Role.VIEWER)
    services.cohort_update(actor=pm, cohort=cohort, managers=[manager, newcomer])
    assert not ticked(use_case, Fact.MANAGERS_TRAINED)
    train(use_case, pm, newcomer)
    assert ticked(use_case, Fact.MANAGERS_TRAINED)


@pytest.mark.time_machine(SUNDAY, tick=False)
def test_weekly_feedback_follows_the_calendar_both_ways(use_case, live_cohort, member):
    assert not ticked(use_case, Fact.FEEDBACK)
    services.feedback_submit(
        actor=member, cohort=live_cohort, usefulness=4, trust=4, minutes_saved=30
    )
    assert ticked(use_case, Fact.FEEDBACK)
    # Next week, last week's answers still count; the week after, they no longer do.
    with time_machine.travel(SUNDAY + dt.timedelta(days=1), tick=False):
        assert facts_sync() == 0
        assert ticked(use_case, Fact.FEEDBACK)
    with time_machine.travel(SUNDAY + dt.timedelta(days=8), tick=False):
        assert sync_workstream_facts() == 1
        assert sync_workstream_facts() == 0  # idempotent
        assert not ticked(use_case, Fact.FEEDBACK)
        services.feedback_submit(
            actor=member, cohort=live_cohort, usefulness=3, trust=4, minutes_saved=20
        )
        assert ticked(use_case, Fact.FEEDBACK)


def test_adoption_items_cannot_be_ticked_by_hand(use_case, pm):
    item = ChecklistItem.objects.get(workstream__use_case=use_case, fact=Fact.COHORT)
    with pytest.raises(Conflict, match="adoption cohorts"):
        readiness_services.checklist_item_set_done(actor=pm, item=item, done=True)


def test_adoption_facts_rule_both_ways():
    monday = dt.date(2026, 11, 23)
    base = {"cohorts": 1, "managers": {1, 2}, "trained": {1, 2}, "boundaries": 1}
    found = adoption_facts(**base, last_feedback_week=monday, today=monday)
    assert all(found.values())
    none = adoption_facts(
        cohorts=0, managers=set(), trained=set(), boundaries=0, last_feedback_week=None,
        today=monday,
    )  # fmt: skip
    assert not any(none.values())
    stale = adoption_facts(
        **{**base, "trained": {1}},
        last_feedback_week=monday - dt.timedelta(days=14),
        today=monday,
    )
    assert not stale[Fact.MANAGERS_TRAINED] and not stale[Fact.FEEDBACK]
