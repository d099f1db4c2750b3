"""What is measured (definitions), what good looks like per use case (targets), and the
daily and weekly figures the roll-up jobs compute from raw samples (roll-ups)."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from readiness.models import Organization, UseCase, Versioned


class Level(models.TextChoices):
    SYSTEM = "system", "System"
    QUALITY = "quality", "Quality"
    BUSINESS = "business", "Business"


class MetricKind(models.TextChoices):
    MEASURED = "measured", "Measured value"  # e.g. latency: count, sum, min, max, mean, percentiles
    COUNT = "count", "Count"  # e.g. throughput: summed per period
    RATE = "rate", "Rate"  # successes over trials, e.g. acceptance rate


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


# The fields that describe a metric, in the order the API lists them; the key and kind are what
# samples are sent under, so only the others may change once a metric exists.
DEFINITION_FIELDS = (
    "key",
    "name",
    "level",
    "kind",
    "unit",
    "direction",
    "description",
    "min_value",
    "max_value",
)
EDITABLE_DEFINITION_FIELDS = (
    "name",
    "level",
    "unit",
    "direction",
    "description",
    "min_value",
    "max_value",
)
# No sample value, whatever its metric's own range, may pass this magnitude: sums of billions
# of such values stay finite, and every figure reads in plain digits (no scientific notation).
MAX_ABS_VALUE = 1e15


class MetricDefinitionQuerySet(models.QuerySet["MetricDefinition"]):
    def visible_to(self, organization: Organization | int) -> MetricDefinitionQuerySet:
        """The built-in catalog and the organization's own metrics."""
        return self.filter(Q(organization__isnull=True) | Q(organization=organization))

    def visible_to_any(self, organizations: Any) -> MetricDefinitionQuerySet:
        """The built-in catalog and the metrics of these organizations (ids or a subquery)."""
        return self.filter(Q(organization__isnull=True) | Q(organization__in=organizations))


class MetricDefinition(Versioned):
    """A metric. ``organization`` is null for the built-in catalog shared by every organization."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="metric_definitions",
    )
    key = models.SlugField(
        max_length=60, help_text="Stable identifier used by the API, e.g. latency_ms."
    )
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=16, choices=Level.choices)
    kind = models.CharField(max_length=16, choices=MetricKind.choices)
    unit = models.CharField(max_length=32, help_text="e.g. ms, %, USD, cases/day")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    description = models.TextField(blank=True)
    # The valid range of a sample's value (inclusive; rates are judged on their counts instead).
    # Empty: only the absolute limit MAX_ABS_VALUE (and >= 0 for counts) applies.
    min_value = models.FloatField(
        null=True, blank=True, help_text="The smallest valid value of a sample, e.g. 0."
    )
    max_value = models.FloatField(
        null=True, blank=True, help_text="The largest valid value of a sample."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MetricDefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="uniq_metric_key_per_org"),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(organization__isnull=True),
                name="uniq_builtin_metric_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("min_value", "max_value"):
            value = getattr(self, name)
            if value is not None and not (
                math.isfinite(value) and -MAX_ABS_VALUE <= value <= MAX_ABS_VALUE
            ):
                errors[name] = (
                    f"Give a finite number between -{MAX_ABS_VALUE:,.0f} and {MAX_ABS_VALUE:,.0f}."
                )
        if errors:
            raise ValidationError(errors)
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValidationError(
                {"max_value": "The largest value must not be below the smallest."}
            )
        if self.kind == MetricKind.COUNT and self.min_value is not None and self.min_value < 0:
            raise ValidationError({"min_value": "A count cannot be negative: give 0 or more."})

    def value_range(self) -> tuple[float, float]:
        """The inclusive range a sample's value must lie in (absolute limits filled in)."""
        floor = 0.0 if self.kind == MetricKind.COUNT else -MAX_ABS_VALUE
        lo = floor if self.min_value is None else max(floor, self.min_value)
        hi = MAX_ABS_VALUE if self.max_value is None else min(MAX_ABS_VALUE, self.max_value)
        return lo, hi

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


# What a target row holds per metric, in this order everywhere (forms, API, audit records).
TARGET_FIELDS = ("target", "warning", "baseline")


class MetricTarget(Versioned):
    """Per use case: the target, the warning threshold and the baseline measured before the AI."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="metric_targets")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT, related_name="targets")
    target = models.FloatField(null=True, blank=True)
    warning = models.FloatField(
        null=True,
        blank=True,
        help_text="Past the target but not yet off target: between this and the target is 'at risk'.",
    )
    baseline = models.FloatField(
        null=True, blank=True, help_text="Measured before the AI was introduced."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "metric"], name="uniq_metric_target"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} target for {self.use_case}"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"  # ISO week, starting Monday


class Rollup(models.Model):
    """The figures of one metric for one use case over one day or ISO week.

    Measured values carry count, sum, min, max, mean, p50/p95/p99 and the standard deviation
    (``std``, for the interval of the mean). Counts carry count and
    sum. Rates carry ``successes`` and ``trials`` (summed numerators and denominators, never
    averaged percentages), the ``rate`` and its 95% confidence interval.
    """

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="rollups")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="rollups")
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    count = models.BigIntegerField(default=0)
    sum = models.FloatField(null=True, blank=True)
    min = models.FloatField(null=True, blank=True)
    max = models.FloatField(null=True, blank=True)
    mean = models.FloatField(null=True, blank=True)
    p50 = models.FloatField(null=True, blank=True)
    p95 = models.FloatField(null=True, blank=True)
    p99 = models.FloatField(null=True, blank=True)
    successes = models.FloatField(null=True, blank=True)
    trials = models.FloatField(null=True, blank=True)
    rate = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    # Measured values: the sample standard deviation (computed stably: Youngs-Cramer in
    # PostgreSQL's stddev_samp, two passes in Python), for the interval of the mean.
    std = models.FloatField(null=True, blank=True)
    # Days of the period with at least one sample: counts are judged on daily totals, and
    # need enough days of them (not enough reports).
    days = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["use_case", "metric", "period", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "metric", "period", "period_start"], name="uniq_rollup_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.period_start} for {self.use_case_id}"

    @property
    def value(self) -> float | None:
        """The headline figure: the rate for rates, the sum for counts, p50 for measured values."""
        kind = self.metric.kind
        if kind == MetricKind.RATE:
            return self.rate
        if kind == MetricKind.COUNT:
            return self.sum
        return self.p50
