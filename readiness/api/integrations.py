"""Integrations per use case (the systems of record) and their five concerns."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, services
from readiness.api.common import (
    BAD_FILTER,
    FORBIDDEN,
    MAX_ID,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    actor,
    query_id,
)
from readiness.api.serializers import IntegrationSerializer, IntegrationWriteSerializer
from readiness.api.versioning import VersionedMixin, versioned_read, versioned_write
from readiness.models import Integration


@extend_schema_view(
    list=extend_schema(
        summary="Integrations of your use cases",
        parameters=[
            OpenApiParameter(
                "use_case",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="Only this use case's.",
            )
        ],
        responses={200: IntegrationSerializer(many=True), 400: BAD_FILTER, **READ_ERRORS},
    ),
    retrieve=versioned_read(
        summary="One integration", responses={200: IntegrationSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["integrations"])
class IntegrationViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    model = Integration
    serializer_class = IntegrationSerializer

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Integration]:
        qs = Integration.objects.filter(use_case__organization__in=org_ids).select_related("owner")
        use_case = query_id(self.request, "use_case") if self.request else None
        if use_case is not None:
            qs = qs.filter(use_case_id=use_case)
        return qs.order_by("use_case_id", "name", "pk")

    @extend_schema(
        summary="Record an integration",
        description="Org admins and program managers of the use case's organization.",
        request=IntegrationWriteSerializer,
        responses={201: IntegrationSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        use_case_id = request.data.get("use_case") if hasattr(request.data, "get") else None
        use_case = access.access_use_case(request.user, use_case_id, perm=access.WRITE)
        serializer = IntegrationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("use_case")
        integration = services.integration_save(actor=actor(request), use_case=use_case, **fields)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)

    @versioned_write(
        summary="Change an integration",
        description="Only the fields sent change; `live` needs all five concerns done.",
        request=IntegrationWriteSerializer,
        responses={200: IntegrationSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        integration = self._writable(request, pk)
        serializer = IntegrationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("use_case", None)
        saved = services.integration_save(
            actor=actor(request),
            use_case=integration.use_case,
            integration=integration,
            expected_version=self.expected_version(),
            **fields,
        )
        return Response(IntegrationSerializer(saved).data)

    @versioned_write(
        summary="Remove an integration",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        integration = self._writable(request, pk)
        services.integration_delete(
            actor=actor(request), integration=integration, expected_version=self.expected_version()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _writable(self, request: Request, pk: str) -> Integration:
        return access.access_integration(request.user, pk, perm=access.WRITE)
