"""Shapes of the metrics API. The ingestion endpoint does not run these on its hot path (it
validates in plain Python, see :mod:`metrics.ingest`); they document it in the OpenAPI schema.
Elsewhere they validate and shape, and the services decide."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from metrics.models import Direction, Level, MetricDefinition, MetricKind, MetricTarget
from readiness.models import Organization
from readiness.serializers import choice_field

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
        required=False, allow_null=True, help_text="For measured values and counts."
    )
    numerator = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="For rates: successes."
    )
    denominator = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="For rates: trials."
    )
    client_id = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=100,
        help_text="Your id for this sample. A sample whose use case, metric and client id were "
        "already stored is skipped, so a retried batch stores nothing twice.",
    )


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Samples in the batch.")
    stored = serializers.IntegerField(help_text="Samples stored now.")
    duplicates = serializers.IntegerField(
        help_text="Samples skipped because their client id was already stored (a retry)."
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


# --- Catalog ----------------------------------------------------------------------------------


class MetricDefinitionSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField[Organization](
        slug_field="slug", read_only=True, help_text="Null for the built-in catalog."
    )
    level = choice_field(Level)
    kind = choice_field(MetricKind)
    direction = choice_field(Direction)
    is_builtin = serializers.BooleanField(read_only=True)

    class Meta:
        model = MetricDefinition
        fields: tuple[str, ...] = (
            "id",
            "organization",
            "key",
            "name",
            "level",
            "kind",
            "unit",
            "direction",
            "description",
            "is_builtin",
        )
        read_only_fields: tuple[str, ...] = ("id", "organization", "is_builtin")


class MetricDefinitionCreateSerializer(MetricDefinitionSerializer):
    organization = serializers.SlugField(  # type: ignore[assignment]
        write_only=True, help_text="Slug of the organization (you must be its admin)."
    )

    class Meta(MetricDefinitionSerializer.Meta):
        read_only_fields = ("id", "is_builtin")
        extra_kwargs: dict[str, Any] = {"key": {"validators": []}}


class MetricDefinitionUpdateSerializer(serializers.ModelSerializer):
    level = choice_field(Level, required=False)
    direction = choice_field(Direction, required=False)

    class Meta:
        model = MetricDefinition
        fields: tuple[str, ...] = ("name", "level", "unit", "direction", "description")


class MetricTargetSerializer(serializers.ModelSerializer):
    """A metric's target for a use case. Rates are fractions: 0.85 means 85%."""

    metric = serializers.SlugRelatedField[MetricDefinition](slug_field="key", read_only=True)

    class Meta:
        model = MetricTarget
        fields: tuple[str, ...] = ("use_case", "metric", "target", "warning", "baseline")
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
