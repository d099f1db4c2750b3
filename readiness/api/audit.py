"""``GET /api/v1/audit/export/``: an organization's audit trail as JSON or CSV (org admins)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from readiness import access
from readiness.api.common import BAD_FILTER, FORBIDDEN, NOT_FOUND, actor
from readiness.audit import export
from readiness.models import Perm


class AuditExportQuerySerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text="The organization's slug.")
    since = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), inclusive.")
    until = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), inclusive.")
    # ``format`` is DRF's own content-negotiation parameter, hence ``as``.
    as_ = serializers.ChoiceField(choices=["json", "csv"], default="json", required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["as"] = fields.pop("as_")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError(
                {"until": ["The end of the range must be on or after its start."]}
            )
        return attrs


class AuditRecordSerializer(serializers.Serializer):
    """One record, every field its hash covers, as exported (documentation only)."""

    organization = serializers.IntegerField()
    sequence = serializers.IntegerField(help_text="1, 2, 3 ... within the organization.")
    actor_id = serializers.IntegerField(allow_null=True)
    actor_label = serializers.CharField()
    action = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    target_label = serializers.CharField()
    use_case_id = serializers.IntegerField(allow_null=True)
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    created_at = serializers.CharField(help_text="UTC, ISO 8601 with microseconds.")
    prev_hash = serializers.CharField()
    hash = serializers.CharField()


class AuditCheckpointSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    sequence = serializers.IntegerField()
    head = serializers.CharField(help_text="The hash of record `sequence`.")
    at = serializers.CharField()
    signature = serializers.CharField()


class AuditExportSerializer(serializers.Serializer):
    """The JSON export (documentation only: the file is streamed)."""

    format = serializers.CharField(help_text=f"`{export.FORMAT}`")
    organization = serializers.DictField()
    range = serializers.DictField()
    exported_at = serializers.CharField()
    exported_by = serializers.CharField()
    records = AuditRecordSerializer(many=True)
    checkpoint = AuditCheckpointSerializer(allow_null=True)
    how_to_verify = serializers.DictField(child=serializers.CharField())


class AuditExportView(APIView):
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file's type comes from ``as``; errors are always JSON, whatever Accept says.
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        tags=["audit"],
        summary="Export the organization's audit trail",
        description=(
            "Every record of the date range (all when no range is given) with every field its "
            "hash covers, its hash and the previous record's, the organization's latest signed "
            "checkpoint, and how to verify them (`how_to_verify`). `as=csv` gives the same as a "
            "spreadsheet-safe CSV (formulas neutralised with a leading apostrophe). Org admins "
            "only. The file is streamed."
        ),
        parameters=[
            OpenApiParameter(
                "organization",
                {"type": "string", "minLength": 1, "pattern": "^[-a-zA-Z0-9_]+$"},
                required=True,
            ),
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
            OpenApiParameter("as", OpenApiTypes.STR, enum=["json", "csv"], default="json"),
        ],
        responses={
            (200, "application/json"): AuditExportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV export."),
            400: BAD_FILTER,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Any:
        query = AuditExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        membership = access.membership_for(request.user, data["organization"], perm=Perm.ADMINISTER)
        span = export.Range(since=data.get("since"), until=data.get("until"))
        return export.response(
            membership.organization, span, data.get("as", "json"), exported_by=actor(request).email
        )
