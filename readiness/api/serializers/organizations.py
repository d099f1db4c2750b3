"""``/api/v1/organizations/``: an organization as one of its members sees it."""

from __future__ import annotations

from rest_framework import serializers

from readiness.api.serializers.fields import choice_field
from readiness.models import Membership, Role


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization as one of its members sees it, with that member's role."""

    slug = serializers.SlugField(source="organization.slug", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    role = choice_field(Role, read_only=True)
    can_edit_use_cases = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields: tuple[str, ...] = ("slug", "name", "role", "can_edit_use_cases")
