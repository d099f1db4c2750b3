"""Webhook endpoints under /api/v1/webhooks/endpoints/, for org admins."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from readiness.access import membership_for
from readiness.api import VersionedMixin, versioned_read, versioned_write
from readiness.api.common import PathIdsMixin
from readiness.audit import audit_at_end
from readiness.events import EVENTS
from readiness.models import Organization
from webhooks import access, services
from webhooks.api.common import admin_org_ids, api_user
from webhooks.api.deliveries import DeliverySerializer
from webhooks.models import Endpoint, Format
from webhooks.services import ENDPOINT_FIELDS


class EndpointSerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "version",
            "organization",
            *ENDPOINT_FIELDS,
            "active",
            "secret",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EndpointWriteSerializer(serializers.Serializer):
    organization = serializers.SlugField(
        required=False, help_text="Slug of the organization (on create only)."
    )
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(EVENTS)), allow_empty=False
    )
    format = serializers.ChoiceField(choices=Format.choices, required=False)
    active = serializers.BooleanField(required=False)


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints of the organizations you administer"),
    retrieve=versioned_read(summary="One webhook endpoint, with its signing secret"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={201: EndpointSerializer},
    ),
    update=versioned_write(
        summary="Change a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer},
    ),
    partial_update=versioned_write(
        summary="Change some fields of a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer},
    ),
    destroy=versioned_write(summary="Delete a webhook endpoint and its delivery log"),
)
class EndpointViewSet(PathIdsMixin, VersionedMixin, viewsets.ModelViewSet):
    serializer_class = EndpointSerializer

    def get_queryset(self) -> QuerySet[Endpoint]:
        if getattr(self, "swagger_fake_view", False):
            return Endpoint.objects.none()
        return (
            Endpoint.objects.filter(organization__in=admin_org_ids(self.request.user))
            .select_related("organization")
            .order_by("pk")
        )

    def _apply(self, endpoint: Endpoint, data: dict[str, Any]) -> Endpoint:
        fields = {k: v for k, v in data.items() if k in ENDPOINT_FIELDS}
        expected = self.expected_version()
        with transaction.atomic(), audit_at_end():  # both changes or neither
            if fields:
                endpoint = services.endpoint_update(
                    actor=api_user(self.request),
                    endpoint=endpoint,
                    expected_version=expected,
                    **fields,
                )
                expected = None  # checked, under the lock this transaction holds
            if "active" in data:
                endpoint = services.endpoint_set_active(
                    actor=api_user(self.request),
                    endpoint=endpoint,
                    active=data["active"],
                    expected_version=expected,
                )
        return endpoint

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = EndpointWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        slug = data.pop("organization", None)
        if not slug:
            raise serializers.ValidationError({"organization": ["Name the organization's slug."]})
        try:
            membership = membership_for(request.user, slug)
        except Http404:
            raise serializers.ValidationError(
                {"organization": [f"You are not a member of an organization “{slug}”."]}
            ) from None
        active = data.pop("active", True)
        with transaction.atomic(), audit_at_end():  # created disabled, or not created at all
            endpoint = services.endpoint_create(
                actor=api_user(request), organization=membership.organization, **data
            )
            if not active:
                endpoint = services.endpoint_set_active(
                    actor=api_user(request), endpoint=endpoint, active=False
                )
        return Response(EndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = access.access_endpoint(request.user, kwargs["pk"])
        write = EndpointWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        data.pop("organization", None)
        endpoint = self._apply(endpoint, data)
        return Response(EndpointSerializer(endpoint).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = access.access_endpoint(request.user, kwargs["pk"])
        services.endpoint_delete(
            actor=api_user(request), endpoint=endpoint, expected_version=self.expected_version()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Queue a test event to the endpoint",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        endpoint = access.access_endpoint(request.user, pk)
        delivery = services.endpoint_send_test(actor=api_user(request), endpoint=endpoint)
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
