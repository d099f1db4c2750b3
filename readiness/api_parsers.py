"""The API's body parsers: DRF's, refusing control characters anywhere in what was sent; and
text fields that take text only.

PostgreSQL refuses NUL in ``text`` and ``jsonb`` (a 500 when it reaches the database), and a
vertical tab in a name breaks every XLSX export that shows it. Checking here, once, covers
every serializer, nested or free-form JSON included: the answer is a 400 naming each field
(``{"name": ["Control characters ..."]}``, nested paths dotted: ``spec.inputs``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers, serializers
from rest_framework.exceptions import ValidationError

from readiness.text import CONTROL_MESSAGE, control_character_paths


def refuse_control_characters(data: Any) -> None:
    paths = list(control_character_paths(data))
    if paths:
        raise ValidationError({path or "non_field_errors": [CONTROL_MESSAGE] for path in paths})


def _form_fields(data: Any) -> dict[str, Any]:
    """A QueryDict as its fields: one value as itself, repeated values as a list."""
    return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_form_fields(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        result = super().parse(stream, media_type, parser_context)
        refuse_control_characters(_form_fields(result.data))
        return result


def require_text_for_char_fields() -> None:
    """Every DRF ``CharField`` (and its kin: slug, email, URL ...) takes text only.

    DRF turns a JSON number into text (``0`` -> ``"0"``), so a client that sent the wrong type
    is told nothing and a name becomes ``"0"``; the schema says ``string``. Done once here, at
    start-up (ReadinessConfig.ready), rather than in every serializer of every app. Form
    bodies are text already and pass as before.
    """
    original = serializers.CharField.to_internal_value
    if getattr(original, "requires_text", False):
        return

    def to_internal_value(self: serializers.CharField, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    to_internal_value.requires_text = True  # type: ignore[attr-defined]
    serializers.CharField.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]
