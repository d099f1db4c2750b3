"""The Instrumentation workstream's items follow the metric targets and baselines.

- "System metrics", "Quality metrics", "Business metrics": ticked while at least one metric of
  that level has a target for the use case;
- "Pre-AI baselines recorded": ticked while at least one business metric has a target and
  every business metric with a target has its baseline (a baseline is what the business
  measured before the AI; system and quality metrics have none to speak of).

Metrics' services call :func:`facts_push` inside their transaction when a target or a metric's
level changes. :func:`metrics_facts` is the pure rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metrics.models import Level, MetricTarget
from readiness.facts import Fact, Source
from readiness.models import UseCase
from readiness.services import workstream_facts_refresh

LEVEL_FACTS: dict[str, Fact] = {
    Level.SYSTEM: Fact.SYSTEM_TARGETS,
    Level.QUALITY: Fact.QUALITY_TARGETS,
    Level.BUSINESS: Fact.BUSINESS_TARGETS,
}


def metrics_facts(targets: Iterable[tuple[str, float | None, float | None]]) -> dict[Fact, bool]:
    """The four facts from a use case's target rows, as (level, target, baseline). Pure."""
    rows = [(str(level), target, baseline) for level, target, baseline in targets]
    found = {
        fact: any(lvl == level and target is not None for lvl, target, _ in rows)
        for level, fact in LEVEL_FACTS.items()
    }
    business = [
        baseline for lvl, target, baseline in rows if lvl == Level.BUSINESS and target is not None
    ]
    found[Fact.BASELINES] = bool(business) and all(b is not None for b in business)
    return found


def facts_push(*, use_case: UseCase, actor: Any = None) -> int:
    """Bring the use case's Instrumentation items in line with its targets, in the caller's
    transaction. Returns how many items changed."""
    rows = MetricTarget.objects.filter(use_case=use_case).values_list(
        "metric__level", "target", "baseline"
    )
    return workstream_facts_refresh(
        use_case=use_case, source=Source.METRICS, facts=metrics_facts(rows), actor=actor
    )
