"""The bodies of error answers: 400 by field, 403/404/405, and 409 with the gate's blockers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import build_array_type, build_object_type
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of a 403, 404 or 405 answer."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """The body of a 400 answer; its schema comes from the extension below."""


class _ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        # A field's messages are a list of strings; a nested object's errors are an object
        # by its fields, a list's a list of those; a body that is not JSON answers `detail`.
        schema = build_object_type(
            additionalProperties={
                "anyOf": [
                    build_array_type({}),
                    build_object_type(additionalProperties={}),
                    {"type": "string"},
                ]
            },
            description=(
                "Field name -> list of messages (nested fields: an object or a list of them). "
                "Errors that belong to no single field are under `non_field_errors`; a body "
                "that cannot be parsed answers `detail`."
            ),
        )
        schema["example"] = {"repetition": ["Ensure this value is less than or equal to 5."]}
        return schema


class BlockerSerializer(serializers.Serializer):
    """One reason the gate is shut, worded so that the reader knows what to do."""

    code = serializers.CharField(help_text="Stable machine code, e.g. `exit_criterion_open`.")
    message = serializers.CharField(help_text="What is missing, in words a person can act on.")
    # DRF's metaclass pops declared fields off the class, so these names do not shadow
    # Field.source / Field.label at runtime; mypy only sees the class body.
    source = serializers.CharField(help_text="The app whose check raised it.")  # type: ignore[assignment]
    url = serializers.CharField(allow_blank=True, help_text="The page where it can be fixed.")
    detail = serializers.DictField(help_text="Check-specific data, e.g. `item_id` and `phase`.")


class GateRefusedSerializer(serializers.Serializer):
    """The body of a 409: the gate refused (``blockers`` says why) or the state moved on."""

    detail = serializers.CharField()
    target = serializers.CharField(
        required=False, help_text="The gate that refused: `phase:2`, `phase:3` or `production`."
    )
    blockers = BlockerSerializer(many=True, help_text="Empty when the use case changed meanwhile.")


class StaleVersionSerializer(serializers.Serializer):
    """The body of a 412 answer: the row changed since the ETag sent in ``If-Match``."""

    detail = serializers.CharField(help_text="What changed since, by whom and when.")
    current_version = serializers.IntegerField(help_text="The version stored now (the ETag).")
    your_version = serializers.IntegerField(help_text="The version sent in If-Match.")
    changed_fields = serializers.ListField(child=serializers.CharField())
    changed_by = serializers.CharField(help_text="Who made the last change (empty if unknown).")
    changed_at = serializers.CharField(help_text="When, as YYYY-MM-DD HH:MM (empty if unknown).")
