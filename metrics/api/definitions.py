"""``/api/v1/metrics/definitions/``: the built-in catalog and the caller's organizations' own
metrics; org admins add and change their organization's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from metrics import selectors, services
from metrics.models import MetricDefinition
from metrics.serializers import (
    MetricDefinitionCreateSerializer,
    MetricDefinitionSerializer,
    MetricDefinitionUpdateSerializer,
)
from readiness.api import (
    FORBIDDEN,
    NOT_FOUND,
    WRITE_ERRORS,
    VersionedMixin,
    actor,
    member_org_ids,
    versioned_read,
    versioned_write,
)
from readiness.api.common import PathIdsMixin
from readiness.models import Membership


@extend_schema_view(
    list=extend_schema(
        summary="Metric definitions: the built-in catalog and your organizations' own",
        responses={200: MetricDefinitionSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=versioned_read(
        summary="One metric definition",
        responses={200: MetricDefinitionSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a metric to your organization (org admins)",
        request=MetricDefinitionCreateSerializer,
        responses={201: MetricDefinitionSerializer, **WRITE_ERRORS},
    ),
    partial_update=versioned_write(
        summary="Change one of your organization's metrics (org admins)",
        description="Built-in metrics cannot change; neither can a metric's key or kind.",
        request=MetricDefinitionUpdateSerializer,
        responses={200: MetricDefinitionSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["metrics"])
class MetricDefinitionViewSet(
    PathIdsMixin,
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MetricDefinitionSerializer
    filter_backends: list[Any] = []
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[MetricDefinition]:
        if getattr(self, "swagger_fake_view", False):
            return MetricDefinition.objects.none()
        return selectors.api_definitions(member_org_ids(self.request.user))

    def create(self, request: Request) -> Response:
        serializer = MetricDefinitionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        slug = data.pop("organization")
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=actor(request), organization__slug=slug)
            .first()
        )
        if membership is None:
            raise Http404("No such organization")
        definition = services.metric_definition_create(
            actor=actor(request), organization=membership.organization, **data
        )
        return Response(MetricDefinitionSerializer(definition).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        definition = self.get_object()
        serializer = MetricDefinitionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        definition = services.metric_definition_update(
            actor=actor(request),
            definition=definition,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(MetricDefinitionSerializer(definition).data)
