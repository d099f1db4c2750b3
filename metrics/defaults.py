"""The built-in catalog of eleven metrics on three levels. Loaded by a data migration."""

from __future__ import annotations

from typing import Any

# Values outside a metric's range are refused at ingestion. Physical bounds: a latency is at
# least 0 and at most a day (86,400,000 ms); costs, durations and counts are at least 0, with a
# ceiling no real sample comes near. Rates have none: their counts are checked instead
# (0 <= successes <= trials, trials >= 1).
CATALOG: list[dict[str, Any]] = [
    # System
    {
        "key": "latency_ms",
        "min_value": 0,
        "max_value": 86400000,
        "name": "Latency",
        "level": "system",
        "kind": "measured",
        "unit": "ms",
        "direction": "lower",
        "description": "Time from request to the AI's answer, per request.",
    },
    {
        "key": "error_rate",
        "name": "Error rate",
        "level": "system",
        "kind": "rate",
        "unit": "%",
        "direction": "lower",
        "description": "Failed requests over all requests.",
    },
    {
        "key": "availability",
        "name": "Availability",
        "level": "system",
        "kind": "rate",
        "unit": "%",
        "direction": "higher",
        "description": "Successful health probes over all probes.",
    },
    {
        "key": "token_cost",
        "min_value": 0,
        "max_value": 1000000,
        "name": "Token cost",
        "level": "system",
        "kind": "measured",
        "unit": "USD",
        "direction": "lower",
        "description": "Model cost per request.",
    },
    # Quality
    {
        "key": "acceptance_rate",
        "name": "Acceptance rate",
        "level": "quality",
        "kind": "rate",
        "unit": "%",
        "direction": "higher",
        "description": "Outputs accepted by the user without change, over outputs shown.",
    },
    {
        "key": "edit_rate",
        "name": "Edit rate",
        "level": "quality",
        "kind": "rate",
        "unit": "%",
        "direction": "lower",
        "description": "Outputs the user edited before use, over outputs shown.",
    },
    {
        "key": "escalation_rate",
        "name": "Escalation rate",
        "level": "quality",
        "kind": "rate",
        "unit": "%",
        "direction": "lower",
        "description": "Cases routed to a human expert, over cases handled.",
    },
    # Business
    {
        "key": "cycle_time_h",
        "min_value": 0,
        "max_value": 87600,
        "name": "Cycle time",
        "level": "business",
        "kind": "measured",
        "unit": "h",
        "direction": "lower",
        "description": "Hours from a case opening to its completion.",
    },
    {
        "key": "throughput",
        "min_value": 0,
        "max_value": 1000000000,
        "name": "Throughput",
        "level": "business",
        "kind": "count",
        "unit": "cases",
        "direction": "higher",
        "description": "Cases completed.",
    },
    {
        "key": "response_time_h",
        "min_value": 0,
        "max_value": 87600,
        "name": "Response time",
        "level": "business",
        "kind": "measured",
        "unit": "h",
        "direction": "lower",
        "description": "Hours until the first response to a requester.",
    },
    {
        "key": "case_capacity",
        "min_value": 0,
        "max_value": 1000000,
        "name": "Case capacity",
        "level": "business",
        "kind": "measured",
        "unit": "cases/person/day",
        "direction": "higher",
        "description": "Cases one person can handle in a day.",
    },
]


def load_catalog() -> None:
    """Create or refresh the built-in metric definitions (as migration 0002 does); idempotent."""
    from metrics.models import MetricDefinition

    for row in CATALOG:
        MetricDefinition.objects.update_or_create(organization=None, key=row["key"], defaults=row)
