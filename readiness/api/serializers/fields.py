"""The fields the API's serializers share (and the other apps' serializers import): choice fields
named after their Choices class, and people given by email address."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from readiness.models import User

OWNER_NOT_MEMBER = "Choose a member of this organization."


@functools.cache
def _choice_field_class(choices: type[models.TextChoices]) -> type[serializers.ChoiceField]:
    """A ChoiceField whose schema is one named enum component per Choices class.

    drf-spectacular names enums after the *field* ("status"); use cases and workstreams both
    have a ``status`` with different values, which it can only name with a hash and a warning.
    Naming the component after the Choices class keeps one stable name per choice set.
    """
    name = choices.__name__
    field_class = type(f"{name}Field", (serializers.ChoiceField,), {})
    return extend_schema_field(
        serializers.ChoiceField(choices=choices.choices), component_name=f"{name}Enum"
    )(field_class)


def choice_field(choices: type[models.TextChoices], **kwargs: Any) -> serializers.ChoiceField:
    return _choice_field_class(choices)(choices=choices.choices, **kwargs)


def email_of(source: str, **kwargs: Any) -> serializers.EmailField:
    """A person's email address read through ``source`` (``null`` when nobody is set)."""
    return serializers.EmailField(
        source=f"{source}.email", read_only=True, allow_null=True, **kwargs
    )


class MemberEmailField(serializers.EmailField):
    """A person given by email address, resolved to the user (``null`` clears it).

    An address nobody signed up with gets the same answer as one of a non-member, so the API
    does not tell which addresses exist elsewhere; the service checks membership itself.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> User | None:
        email = super().run_validation(data)  # the address, validated; None for null
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise serializers.ValidationError(OWNER_NOT_MEMBER)
        return user
