"""The Instrumentation workstream's items follow the metric targets and baselines, both ways."""

from __future__ import annotations

import pytest

from metrics.services import metric_definition_create, metric_definition_update, metric_target_set
from metrics.workstream_facts import metrics_facts
from readiness import services as readiness_services
from readiness.errors import Conflict
from readiness.facts import Fact
from readiness.models import ChecklistItem
from tests.metrics.ingest_support import metric

pytestmark = pytest.mark.django_db


def _set(actor, use_case, key, target=None, baseline=None):
    return metric_target_set(
        actor=actor, use_case=use_case, metric=metric(key), target=target, warning=None,
        baseline=baseline,
    )  # fmt: skip


def ticked(use_case, fact):
    return ChecklistItem.objects.get(workstream__use_case=use_case, fact=fact).done


@pytest.mark.parametrize(
    ("key", "fact"),
    [
        ("latency_ms", Fact.SYSTEM_TARGETS),
        ("acceptance_rate", Fact.QUALITY_TARGETS),
        ("cycle_time_h", Fact.BUSINESS_TARGETS),
    ],
)
def test_a_level_item_follows_its_targets_both_ways(pm, use_case, key, fact):
    assert not ticked(use_case, fact)
    _set(pm, use_case, key, target=0.9 if key == "acceptance_rate" else 10)
    assert ticked(use_case, fact)
    _set(pm, use_case, key)  # cleared
    assert not ticked(use_case, fact)


def test_baselines_item_needs_every_targeted_business_metric_to_have_one(pm, use_case):
    _set(pm, use_case, "cycle_time_h", target=4, baseline=48)
    assert ticked(use_case, Fact.BASELINES)
    _set(pm, use_case, "throughput", target=200)  # a business target without a baseline
    assert not ticked(use_case, Fact.BASELINES)
    _set(pm, use_case, "throughput", target=200, baseline=120)
    assert ticked(use_case, Fact.BASELINES)
    ws = use_case.workstreams.get(number=6)
    assert ws.status == "in_progress"  # no system or quality target yet
    _set(pm, use_case, "latency_ms", target=800)
    _set(pm, use_case, "acceptance_rate", target=0.8)
    ws.refresh_from_db()
    assert ws.status == "done"


def test_moving_a_metric_to_another_level_moves_the_fact(org, admin, pm, use_case):
    own = metric_definition_create(
        actor=admin,
        organization=org,
        key="handoffs",
        name="Handoffs",
        level="system",
        kind="count",
        unit="per case",
        direction="lower",
    )
    metric_target_set(
        actor=pm, use_case=use_case, metric=own, target=2, warning=None, baseline=None
    )
    assert ticked(use_case, Fact.SYSTEM_TARGETS)
    metric_definition_update(actor=admin, definition=own, level="business")
    assert not ticked(use_case, Fact.SYSTEM_TARGETS)
    assert ticked(use_case, Fact.BUSINESS_TARGETS)
    assert not ticked(use_case, Fact.BASELINES)


def test_instrumentation_items_cannot_be_ticked_by_hand(pm, use_case):
    item = ChecklistItem.objects.get(workstream__use_case=use_case, fact=Fact.BASELINES)
    with pytest.raises(Conflict, match="Metric targets"):
        readiness_services.checklist_item_set_done(actor=pm, item=item, done=True)


def test_metrics_facts_rule():
    assert not any(metrics_facts([]).values())
    found = metrics_facts([("quality", 0.8, None), ("business", None, 12.0)])
    assert found[Fact.QUALITY_TARGETS]
    assert not found[Fact.BUSINESS_TARGETS] and not found[Fact.BASELINES]
