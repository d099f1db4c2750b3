"""Versions of usage boundaries under /api/v1/adoption/boundaries/."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from adoption import services
from adoption.api.common import OK, TAG, UseCaseFilter, use_case_for_write
from adoption.models import UsageBoundary
from adoption.serializers import UsageBoundarySerializer, UsageBoundaryWriteSerializer
from readiness.api import FORBIDDEN, READ_ERRORS, WRITE_ERRORS, ScopedViewSet, actor


class BoundaryFilter(UseCaseFilter):
    class Meta:
        model = UsageBoundary
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Versions of usage boundaries, newest first",
        responses={200: UsageBoundarySerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One version of usage boundaries",
        responses={200: UsageBoundarySerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Publish a new version of a use case's usage boundaries",
        description="Earlier versions are kept. 400 when the text is unchanged.",
        request=UsageBoundaryWriteSerializer,
        responses={201: UsageBoundarySerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class BoundaryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    model = UsageBoundary
    serializer_class = UsageBoundarySerializer
    filterset_class = BoundaryFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[UsageBoundary]:
        return (
            UsageBoundary.objects.filter(use_case__organization__in=org_ids)
            .select_related("published_by")
            .order_by("use_case_id", "-version")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use_case = use_case_for_write(request)
        serializer = UsageBoundaryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case")
        boundary = services.usage_boundary_publish(
            actor=actor(request), use_case=use_case, **values
        )
        return Response(UsageBoundarySerializer(self.fresh(boundary.pk)).data, status=201)

    @extend_schema(
        summary="Confirm you have read this version (the current one)",
        request=None,
        responses={204: OK, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        boundary = self.get_object()
        services.usage_boundary_acknowledge(actor=actor(request), boundary=boundary)
        return Response(status=status.HTTP_204_NO_CONTENT)
