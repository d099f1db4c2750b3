"""Shapes of the metrics API. The ingestion endpoint does not run these on its hot path (it
validates in plain Python, see :mod:`metrics.ingestion`); they document it in the OpenAPI schema.
Elsewhere they validate and shape, and the services decide."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

from metrics.models import (
    DEFINITION_FIELDS,
    EDITABLE_DEFINITION_FIELDS,
    TARGET_FIELDS,
    Direction,
    Level,
    MetricDefinition,
    MetricKind,
    MetricTarget,
    Period,
)
from metrics.scorecards import Status
from readiness.api.serializers import choice_field
from readiness.models import MeasuredStatistic, Organization

# --- Ingestion --------------------------------------------------------------------------------


class SampleSerializer(serializers.Serializer):
    """One sample. Measured values and counts send ``value``; rates send ``numerator``
    (successes) and ``denominator`` (trials), whole numbers with numerator ≤ denominator."""

    use_case = serializers.IntegerField(help_text="The use case's id.")
    metric = serializers.SlugField(help_text="The metric's key, e.g. `latency_ms`.")
    timestamp = serializers.DateTimeField(
        help_text="ISO 8601 with a time zone, e.g. `2026-03-01T09:30:00Z`; at most 5 minutes "
        "in the future."
    )
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="For measured values and counts: finite, inside the metric's range "
        "(`min_value` to `max_value`); counts are whole numbers of zero or more.",
    )
    numerator = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="For rates: successes."
    )
    denominator = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="For rates: trials, at least 1."
    )
    client_id = serializers.CharField(
        max_length=100,
        help_text="Required: your id for this sample. A sample whose use case, metric and "
        "client id were already stored with the same timestamp and value is skipped, so a "
        "retried batch stores nothing twice; with another timestamp or value it is refused "
        '(409) unless sent with `"replace": true`. The key is unique within a calendar month '
        "(UTC) of the timestamp: a resend whose timestamp moved to another month is stored "
        'as a new sample (send a correction with `"replace": true` instead).',
    )
    replace = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True to correct the stored sample of the same use case, metric and client "
        "id, in whichever month it is (audited; its periods are recomputed).",
    )


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Samples in the batch.")
    stored = serializers.IntegerField(help_text="Samples stored now.")
    duplicates = serializers.IntegerField(
        help_text="Samples skipped because they were already stored, the same (a retry)."
    )
    replaced = serializers.IntegerField(
        help_text='Stored samples corrected by samples sent with `"replace": true`.'
    )
    rejected = serializers.IntegerField(help_text="Always 0: a batch with a bad row is refused.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Index of the sample in the batch, from 0; null for the batch."
    )
    field = serializers.CharField(allow_null=True, help_text="The field at fault, if one is.")
    message = serializers.CharField()


class BatchErrorSerializer(serializers.Serializer):
    """A refused batch: every row's errors. Nothing of the batch was stored."""

    # DRF's metaclass pops declared fields off the class, so this does not shadow
    # Serializer.errors at runtime; mypy only sees the class body.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


# --- Roll-ups ---------------------------------------------------------------------------------


class RecomputeSerializer(serializers.Serializer):
    use_case = serializers.IntegerField(help_text="The use case whose roll-ups to recompute.")


class RecomputeResultSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    periods_marked = serializers.IntegerField(
        help_text="Days and weeks queued for the roll-up job, which runs right away."
    )


# --- Reading the numbers (metrics.api.figures) ------------------------------------------------


class SampleSizeOf(models.TextChoices):
    TRIALS = "trials"
    SAMPLES = "samples"
    DAYS = "days"


class IntervalMethod(models.TextChoices):
    WILSON = "wilson"
    NORMAL_MEAN = "normal_mean"
    NORMAL_DAILY_MEAN = "normal_daily_mean"


class ReportedStatistic(models.TextChoices):
    RATE = "rate"
    DAILY_AVERAGE = "daily_average"
    P50 = "p50"
    P95 = "p95"


def _number(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class RollupFigureSerializer(serializers.Serializer):
    """The figures of one metric over one day or ISO week (UTC), with their sample size, their
    95% interval and when they were computed. Rates are fractions (0.85 means 85%)."""

    FIGURES = (
        "count",
        "days",
        "sum",
        "min",
        "max",
        "mean",
        "std",
        "p50",
        "p95",
        "p99",
        "successes",
        "trials",
        "rate",
    )

    use_case = serializers.IntegerField()
    metric = serializers.CharField(help_text="The metric's key.")
    kind = choice_field(MetricKind)
    unit = serializers.CharField()
    period = choice_field(Period)
    period_start = serializers.DateField(help_text="The day, or the Monday of the week (UTC).")
    period_end = serializers.DateField(help_text="The period's last day, inclusive.")
    # DRF's metaclass pops declared fields off the class, so this does not shadow
    # Serializer.partial at runtime; mypy only sees the class body.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="True for today and the week in progress: figures so far, not a whole period's."
    )
    count = serializers.IntegerField(help_text="Samples (reports) in the period.")
    days = serializers.IntegerField(help_text="Days of the period with samples.")
    sum = _number("Measured values and counts: the sum of the values.")
    min = _number("Measured values and counts: the smallest value.")
    max = _number("Measured values and counts: the largest value.")
    mean = _number("Measured values and counts: the mean value.")
    std = _number("Measured values: the sample standard deviation.")
    p50 = _number("Measured values: the median (linear interpolation, as NumPy's default).")
    p95 = _number("Measured values: the 95th percentile.")
    p99 = _number("Measured values: the 99th percentile.")
    successes = _number("Rates: summed successes.")
    trials = _number("Rates: summed trials.")
    rate = _number("Rates: successes over trials.")
    sample_size = serializers.FloatField(help_text="What the interval rests on.")
    sample_size_of = choice_field(
        SampleSizeOf,
        help_text="Trials for rates, samples for measured values, days with samples for counts.",
    )
    ci_low = _number("Lower bound of the 95% interval; null when there is none.")
    ci_high = _number("Upper bound of the 95% interval.")
    interval_method = choice_field(
        IntervalMethod,
        allow_null=True,
        help_text="`wilson` (rates), `normal_mean` (measured values: the interval of the "
        "mean, mean ± 1.96·s/√n, as the metric gate computes it), `normal_daily_mean` (a "
        "week of a count: the interval of its mean daily total); null for a day of a count.",
    )
    computed_at = serializers.DateTimeField(
        help_text="When these figures were computed (now, for a period recomputed on read)."
    )


class ScorecardLineSerializer(serializers.Serializer):
    metric = serializers.CharField(help_text="The metric's key.")
    name = serializers.CharField()
    kind = choice_field(MetricKind)
    unit = serializers.CharField(help_text="As the figure is expressed: %, ms, cases/day...")
    direction = choice_field(Direction)
    statistic = choice_field(
        ReportedStatistic,
        help_text="What `value` is: the rate, the daily average of a count, or the percentile "
        "the organization chose for measured values.",
    )
    statistic_label = serializers.CharField()
    value = _number("The week's figure (rates as fractions); null without figures.")
    week_start = serializers.DateField(
        allow_null=True, help_text="The Monday of the week judged; null without figures."
    )
    stale = serializers.BooleanField(help_text="No figures for the last complete week.")
    sample_size = serializers.FloatField()
    sample_size_of = choice_field(SampleSizeOf)
    ci_low = _number("Rates: lower bound of the 95% Wilson interval.")
    ci_high = _number("Rates: upper bound of the 95% Wilson interval.")
    target = _number("The target, in the metric's unit (rates as fractions).")
    warning = _number("Between it and the target the metric is at risk.")
    baseline = _number("Measured before the AI.")
    status = choice_field(Status)
    computed_at = serializers.DateTimeField(allow_null=True)


class ScorecardLevelSerializer(serializers.Serializer):
    level = choice_field(Level)
    status = choice_field(Status)
    with_target = serializers.IntegerField()
    on_target = serializers.IntegerField()
    metrics = ScorecardLineSerializer(many=True)


class ScorecardSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    week_start = serializers.DateField(help_text="The last complete ISO week (UTC), judged.")
    week_end = serializers.DateField()
    statistic = choice_field(
        MeasuredStatistic, help_text="The organization's figure for measured metrics."
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the newest of its figures was computed."
    )
    partial_days = serializers.ListField(
        child=serializers.DateField(), help_text="Days of the trend still in progress (today)."
    )
    week_in_progress = serializers.DateField(
        help_text="The Monday of the current week, not judged until it is over."
    )
    levels = ScorecardLevelSerializer(many=True)


# --- Catalog ----------------------------------------------------------------------------------


class MetricDefinitionSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField[Organization](
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Null for the built-in catalog.",
    )
    level = choice_field(Level)
    kind = choice_field(MetricKind)
    direction = choice_field(Direction)
    is_builtin = serializers.BooleanField(read_only=True)

    class Meta:
        model = MetricDefinition
        fields: tuple[str, ...] = (
            "id",
            "version",
            "organization",
            *DEFINITION_FIELDS,
            "is_builtin",
        )
        read_only_fields: tuple[str, ...] = ("id", "version", "organization", "is_builtin")


class MetricDefinitionCreateSerializer(MetricDefinitionSerializer):
    organization = serializers.SlugField(  # type: ignore[assignment]
        write_only=True, help_text="Slug of the organization (you must be its admin)."
    )

    class Meta(MetricDefinitionSerializer.Meta):
        read_only_fields = ("id", "version", "is_builtin")
        extra_kwargs: dict[str, Any] = {"key": {"validators": []}}


class MetricDefinitionUpdateSerializer(serializers.ModelSerializer):
    level = choice_field(Level, required=False)
    direction = choice_field(Direction, required=False)

    class Meta:
        model = MetricDefinition
        fields: tuple[str, ...] = EDITABLE_DEFINITION_FIELDS


class MetricTargetSerializer(serializers.ModelSerializer):
    """A metric's target for a use case. Rates are fractions: 0.85 means 85%."""

    metric = serializers.SlugRelatedField[MetricDefinition](slug_field="key", read_only=True)

    class Meta:
        model = MetricTarget
        fields: tuple[str, ...] = ("use_case", "metric", "version", *TARGET_FIELDS)
        read_only_fields: tuple[str, ...] = fields


class MetricTargetWriteSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    metric = serializers.SlugField(help_text="The metric's key.")
    target = serializers.FloatField(allow_null=True, required=False, default=None)
    warning = serializers.FloatField(
        allow_null=True,
        required=False,
        default=None,
        help_text="On the bad side of the target: between the two the metric is at risk.",
    )
    baseline = serializers.FloatField(
        allow_null=True, required=False, default=None, help_text="Measured before the AI."
    )
