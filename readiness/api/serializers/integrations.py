"""A use case's integrations with its systems of record."""

from __future__ import annotations

from rest_framework import serializers

from readiness.api.serializers.fields import MemberEmailField, choice_field, email_of
from readiness.models import ConcernStatus, Integration, IntegrationKind, IntegrationStatus

_CONCERN_HELP = "not_started, in_progress, blocked, done or not_applicable."


class IntegrationSerializer(serializers.ModelSerializer):
    kind = choice_field(IntegrationKind, read_only=True)
    status = choice_field(IntegrationStatus, read_only=True)
    owner = email_of("owner")
    identity_access = choice_field(ConcernStatus, read_only=True)
    data_mapping = choice_field(ConcernStatus, read_only=True)
    event_triggers = choice_field(ConcernStatus, read_only=True)
    api_reliability = choice_field(ConcernStatus, read_only=True)
    logging_audit = choice_field(ConcernStatus, read_only=True)

    class Meta:
        model = Integration
        fields = (
            "id",
            "version",
            "use_case",
            "name",
            "kind",
            "owner",
            "status",
            *Integration.CONCERNS,
            "notes",
            "updated_at",
        )
        read_only_fields = fields


class IntegrationWriteSerializer(serializers.Serializer):
    """Create (``use_case``, ``name`` and ``kind`` required) or change (any subset)."""

    use_case = serializers.IntegerField(help_text="Id of the use case (create only).")
    name = serializers.CharField(max_length=120)
    kind = choice_field(IntegrationKind)
    owner = MemberEmailField(help_text="Email of a member of the organization, or null.")
    status = choice_field(IntegrationStatus, required=False)
    identity_access = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    data_mapping = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    event_triggers = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    api_reliability = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    logging_audit = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    notes = serializers.CharField(required=False, allow_blank=True)
