"""Webhooks API under /api/v1/: endpoints CRUD and the delivery log, for org admins only.

Querysets hold only the organizations where the user is an org admin, so an endpoint of another
organization (or of one where the user has another role) answers 404. Writes go through
:mod:`webhooks.services`, which checks the role again and audits.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from readiness.access import membership_for
from readiness.events import EVENTS
from readiness.models import Membership, Organization, Role, User
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Format


def admin_org_ids(user: Any) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=user, role=Role.ORG_ADMIN).values("organization_id")


class EndpointSerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "format",
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


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_status",
            "response_body",
            "error",
            "duration_ms",
            "next_attempt_at",
            "last_attempt_at",
            "redelivery_of",
            "created_at",
            "payload",
        ]
        read_only_fields = fields


def _user(request: Request) -> User:
    return cast(User, request.user)


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints of the organizations you administer"),
    retrieve=extend_schema(summary="One webhook endpoint, with its signing secret"),
    create=extend_schema(
        summary="Register a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={201: EndpointSerializer},
    ),
    update=extend_schema(
        summary="Change a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a webhook endpoint",
        request=EndpointWriteSerializer,
        responses={200: EndpointSerializer},
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint and its delivery log"),
)
class EndpointViewSet(viewsets.ModelViewSet):
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
        fields = {k: v for k, v in data.items() if k in services.ENDPOINT_FIELDS}
        with transaction.atomic():  # both changes or neither
            if fields:
                endpoint = services.endpoint_update(
                    actor=_user(self.request), endpoint=endpoint, **fields
                )
            if "active" in data:
                endpoint = services.endpoint_set_active(
                    actor=_user(self.request), endpoint=endpoint, active=data["active"]
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
        with transaction.atomic():  # created disabled, or not created at all
            endpoint = services.endpoint_create(
                actor=_user(request), organization=membership.organization, **data
            )
            if not active:
                endpoint = services.endpoint_set_active(
                    actor=_user(request), endpoint=endpoint, active=False
                )
        return Response(EndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        write = EndpointWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        write.is_valid(raise_exception=True)
        data = dict(write.validated_data)
        data.pop("organization", None)
        endpoint = self._apply(endpoint, data)
        return Response(EndpointSerializer(endpoint).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.endpoint_delete(actor=_user(request), endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Queue a test event to the endpoint",
        request=None,
        responses={202: DeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.endpoint_send_test(actor=_user(request), endpoint=self.get_object())
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries, newest first",
        parameters=[
            OpenApiParameter("endpoint", int, description="Only deliveries to this endpoint."),
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("event", str),
        ],
    ),
    retrieve=extend_schema(summary="One delivery with the latest answer"),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeliverySerializer
    filterset_fields = ["endpoint", "status", "event"]

    def get_queryset(self) -> QuerySet[Delivery]:
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return Delivery.objects.filter(
            endpoint__organization__in=admin_org_ids(self.request.user)
        ).order_by("-created_at", "-pk")

    @extend_schema(
        summary="Send a finished delivery again", request=None, responses={202: DeliverySerializer}
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        again = services.delivery_redeliver(actor=_user(request), delivery=self.get_object())
        again.refresh_from_db()
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
