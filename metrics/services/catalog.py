"""Writes to the metric catalog: an organization's own metric definitions, and the target,
warning threshold and baseline of a metric for one use case.

Rates (acceptance rate, error rate, ...) are stored, rolled up and targeted as **fractions**
between 0 and 1 (0.85 means 85%); pages show and take them as percentages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from metrics.models import (
    DEFINITION_FIELDS,
    EDITABLE_DEFINITION_FIELDS,
    TARGET_FIELDS,
    Direction,
    MetricDefinition,
    MetricKind,
    MetricTarget,
)
from metrics.workstream_facts import facts_push
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.models import MeasuredStatistic, Organization, Perm, UseCase, User
from readiness.versioning import check_version, stale_absent


def _check_key(organization: Organization, key: str, exclude: int | None = None) -> None:
    taken = MetricDefinition.objects.visible_to(organization).filter(key=key)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"key": f"The key “{key}” is already used by another metric."})


@transaction.atomic
def metric_definition_create(
    *, actor: User, organization: Organization, **fields: Any
) -> MetricDefinition:
    """An organization's own metric, next to the built-in catalog. Org admins only.

    Its key must not repeat a built-in key or another of the organization's keys: samples name
    metrics by key.
    """
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    definition = MetricDefinition(organization=organization, **fields)
    definition.full_clean(validate_constraints=False)
    _check_key(organization, definition.key)
    definition.save()
    audit_record(
        actor=actor,
        organization=organization,
        action="metrics.definition.create",
        target=definition,
        after=snapshot(definition, DEFINITION_FIELDS),
    )
    return definition


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def metric_definition_update(
    *,
    actor: User,
    definition: MetricDefinition,
    expected_version: int | None = None,
    **fields: Any,
) -> MetricDefinition:
    """Rename or re-describe one of the organization's own metrics. Built-ins are read-only,
    and the key and kind stay as they are (samples were sent under them). With
    ``expected_version``, StaleVersion if the metric changed since (nothing saved)."""
    if definition.organization_id is None:
        raise ValidationError("The built-in metrics cannot be changed.")
    membership_of(actor, definition.organization_id, perm=Perm.ADMINISTER)
    blocked = set(fields) - set(EDITABLE_DEFINITION_FIELDS)
    if blocked:
        raise ValidationError(
            {name: "This cannot change once the metric exists." for name in sorted(blocked)}
        )
    definition = (
        MetricDefinition.objects.select_for_update(of=("self",), no_key=True)
        .select_related("organization")
        .get(pk=definition.pk)
    )
    check_version(definition, expected_version)
    before = snapshot(definition, EDITABLE_DEFINITION_FIELDS)
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.full_clean(validate_constraints=False)
    definition.save(update_fields=list(fields) or None)
    b, a = changed(before, snapshot(definition, EDITABLE_DEFINITION_FIELDS))
    if a:
        audit_record(
            actor=actor,
            organization=definition.organization,  # type: ignore[arg-type]
            action="metrics.definition.update",
            target=definition,
            before=b,
            after=a,
        )
    if "level" in a:
        # The use cases that target it may now have (or lack) a target at either level.
        for use_case in UseCase.objects.filter(metric_targets__metric=definition).order_by("pk"):
            facts_push(use_case=use_case, actor=actor)
    return definition


def _check_target(metric: MetricDefinition, values: dict[str, float | None]) -> None:
    errors: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if value != value or value in (float("inf"), float("-inf")):
            errors[name] = "Give a finite number."
        elif metric.kind == MetricKind.RATE and not 0 <= value <= 1:
            errors[name] = "A rate is between 0% and 100%."
        elif metric.kind == MetricKind.COUNT and value < 0:
            errors[name] = "A count cannot be negative."
    target, warning = values.get("target"), values.get("warning")
    if not errors and target is not None and warning is not None:
        higher = metric.direction == Direction.HIGHER
        if higher and warning > target:
            errors["warning"] = (
                "Higher is better here: the warning threshold must be at or below the target."
            )
        if not higher and warning < target:
            errors["warning"] = (
                "Lower is better here: the warning threshold must be at or above the target."
            )
    if values.get("warning") is not None and target is None and "warning" not in errors:
        errors["warning"] = "Set a target before a warning threshold."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def metric_target_set(
    *,
    actor: User,
    use_case: UseCase,
    metric: MetricDefinition,
    target: float | None,
    warning: float | None,
    baseline: float | None,
    expected_version: int | None = None,
) -> MetricTarget | None:
    """Set (or, with all three empty, clear) a metric's target, warning and baseline for a use
    case. Program managers and org admins. Returns the target row, or None once cleared.

    Values are in the metric's unit; rates as fractions (0.85 for 85%). The warning threshold
    lies on the bad side of the target: between the two a metric is "at risk". With
    ``expected_version`` (0: no target yet), StaleVersion if the target changed since.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    if metric.organization_id not in (None, use_case.organization_id):
        raise ValidationError({"metric": "Choose a metric of this organization."})
    values = {"target": target, "warning": warning, "baseline": baseline}
    _check_target(metric, values)
    current = (
        MetricTarget.objects.select_for_update(of=("self",), no_key=True)
        .filter(use_case=use_case, metric=metric)
        .first()
    )
    if current is not None:
        check_version(current, expected_version)
    elif expected_version is not None and expected_version != 0:
        raise stale_absent("metric target", expected_version)
    before = snapshot(current, TARGET_FIELDS) if current else dict.fromkeys(TARGET_FIELDS)
    if all(v is None for v in values.values()):
        if current is None:
            return None
        current.delete()
        result = None
        after = dict.fromkeys(TARGET_FIELDS)
        target_obj: Any = metric
    else:
        if current is None:
            current = MetricTarget(use_case=use_case, metric=metric)
        for name, value in values.items():
            setattr(current, name, value)
        current.save()
        result = current
        after = snapshot(current, TARGET_FIELDS)
        target_obj = current
    b, a = changed(before, after)
    if a:
        audit_record(
            actor=actor,
            organization=use_case.organization,
            action="metrics.target.set",
            target=target_obj,
            use_case=use_case,
            before={"metric": metric.key, **b},
            after={"metric": metric.key, **a},
        )
        facts_push(use_case=use_case, actor=actor)
    return result


@transaction.atomic
@audit_at_end()  # every target is written, then their records are appended
def metric_targets_update(
    *,
    actor: User,
    use_case: UseCase,
    values: dict[MetricDefinition, tuple[float | None, float | None, float | None]],
) -> int:
    """Set several metrics' (target, warning, baseline) for a use case at once: all or nothing.

    Raises ValidationError keyed ``<metric key>-<field>`` so a page can put each message next
    to its input. Returns how many metrics changed.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    errors: dict[str, list[str]] = {}
    for metric, (target, warning, baseline) in values.items():
        try:
            _check_target(metric, {"target": target, "warning": warning, "baseline": baseline})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[f"{metric.key}-{field}"] = messages
    if errors:
        raise ValidationError(errors)
    current = {
        t.metric_id: (t.target, t.warning, t.baseline)
        for t in MetricTarget.objects.filter(use_case=use_case)
    }
    changed_count = 0
    # In primary-key order, as every writer locks several targets, so two never deadlock.
    for metric, triple in sorted(values.items(), key=lambda item: item[0].pk):
        if current.get(metric.pk, (None, None, None)) == triple:
            continue
        metric_target_set(
            actor=actor,
            use_case=use_case,
            metric=metric,
            target=triple[0],
            warning=triple[1],
            baseline=triple[2],
        )
        changed_count += 1
    return changed_count


@transaction.atomic
@audit_at_end()  # the organization is saved, then the record appended
def metrics_settings_update(
    *, actor: User, organization: Organization, measured_statistic: str
) -> Organization:
    """Which figure the scorecards, their exports and the read API report for measured
    metrics: the median (p50) or the 95th percentile (p95). Org admins; audited when it
    changes. Raises ValidationError for any other value."""
    membership_of(actor, organization.pk, perm=Perm.ADMINISTER)
    if measured_statistic not in MeasuredStatistic.values:
        raise ValidationError(
            {"measured_statistic": f"Choose one of: {', '.join(MeasuredStatistic.values)}."}
        )
    locked = Organization.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=organization.pk
    )
    if locked.measured_statistic != measured_statistic:
        before = {"measured_statistic": locked.measured_statistic}
        locked.measured_statistic = measured_statistic
        locked.save(update_fields=["measured_statistic"])
        audit_record(
            actor=actor,
            organization=locked,
            action="metrics.settings_update",
            target=locked,
            before=before,
            after={"measured_statistic": measured_statistic},
        )
    organization.measured_statistic = measured_statistic
    return locked
