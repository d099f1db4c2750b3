"""The webhook delivery log under /api/v1/webhooks/deliveries/, for org admins."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from readiness.api.common import PathIdsMixin
from webhooks import access, services
from webhooks.api.common import admin_org_ids, api_user
from webhooks.models import Delivery, DeliveryStatus


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
class DeliveryViewSet(
    PathIdsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
        delivery = access.access_delivery(request.user, pk)
        again = services.delivery_redeliver(actor=api_user(request), delivery=delivery)
        again.refresh_from_db()
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
