"""What is measured (definitions), what good looks like per use case (targets), and the
daily and weekly figures the roll-up jobs compute from raw samples (roll-ups)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from readiness.models import Organization, UseCase


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


class MetricDefinition(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)

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

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


class MetricTarget(models.Model):
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

    Measured values carry count, sum, min, max, mean and p50/p95/p99. Counts carry count and
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
