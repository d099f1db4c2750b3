"""Reads of the metric catalog and targets, for the settings pages and the API.

Nothing here checks permissions: callers pass objects they got through the access layer, or
the ids of the caller's organizations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from metrics.models import Level, MetricDefinition, MetricTarget
from readiness.models import Organization, UseCase

LEVEL_ORDER = {value: i for i, (value, _) in enumerate(Level.choices)}
LEVEL_LABELS = dict(Level.choices)


def by_level(
    metrics: Iterable[MetricDefinition], *, casefold: bool = True
) -> list[MetricDefinition]:
    """Metrics by level (system, quality, business), then by name.

    The scorecards compare names without case; the targets page has always compared them as
    written (``casefold=False``), which differs only for a name that starts in lower case.
    """
    if casefold:
        return sorted(metrics, key=lambda m: (LEVEL_ORDER.get(m.level, 9), m.name.lower()))
    return sorted(metrics, key=lambda m: (LEVEL_ORDER.get(m.level, 9), m.name))


def visible_metrics(organization_id: int) -> list[MetricDefinition]:
    """The built-in metrics and the organization's own, by level then name."""
    return by_level(MetricDefinition.objects.visible_to(organization_id))


def definitions_by_level(organization: Organization) -> list[dict[str, Any]]:
    """The catalog page: per level (in order, empty ones included), its metrics by name; one
    query."""
    definitions = MetricDefinition.objects.visible_to(organization).order_by("name")
    return [
        {"label": label, "metrics": [d for d in definitions if d.level == value]}
        for value, label in Level.choices
    ]


def metric_definition(pk: int) -> MetricDefinition:
    """The definition as stored (a form that failed validation has changed its instance)."""
    return MetricDefinition.objects.get(pk=pk)


def target_metrics(use_case: UseCase) -> list[MetricDefinition]:
    """The metrics a use case may set targets for, in the targets page's order."""
    return by_level(MetricDefinition.objects.visible_to(use_case.organization_id), casefold=False)


def targets_of(use_case: UseCase) -> dict[int, MetricTarget]:
    """The use case's targets by metric id."""
    return {t.metric_id: t for t in MetricTarget.objects.filter(use_case=use_case)}


# For the API: ``org_ids`` are the caller's organizations (a subquery of their memberships).


def api_definitions(org_ids: Any) -> QuerySet[MetricDefinition]:
    return (
        MetricDefinition.objects.visible_to_any(org_ids)
        .select_related("organization")
        .order_by("organization_id", "level", "name")
    )


def api_targets(org_ids: Any, *, use_case_id: int | None = None) -> QuerySet[MetricTarget]:
    targets = MetricTarget.objects.filter(use_case__organization__in=org_ids).select_related(
        "metric"
    )
    if use_case_id is not None:
        targets = targets.filter(use_case_id=use_case_id)
    return targets.order_by("use_case_id", "metric__level", "metric__name")


def metric_by_key(use_case: UseCase, key: str) -> MetricDefinition | None:
    """The metric with this key that the use case's organization sees, if any."""
    return (
        MetricDefinition.objects.visible_to(use_case.organization_id)
        .filter(key=key)
        .select_related("organization")
        .first()
    )
