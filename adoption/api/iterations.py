"""The iteration log under /api/v1/adoption/iterations/."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from adoption import services
from adoption.access import access_iteration_entry
from adoption.api.common import TAG, UseCaseFilter, use_case_for_write
from adoption.models import IterationEntry
from adoption.serializers import IterationEntrySerializer, IterationWriteSerializer
from readiness.api import (
    FORBIDDEN,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    VersionedMixin,
    actor,
    versioned_read,
    versioned_write,
)
from readiness.models import Perm


class IterationFilter(UseCaseFilter):
    class Meta:
        model = IterationEntry
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Iteration log entries, newest first",
        responses={200: IterationEntrySerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=versioned_read(
        summary="One iteration log entry", responses={200: IterationEntrySerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Log a change made during rollout",
        request=IterationWriteSerializer,
        responses={201: IterationEntrySerializer, **WRITE_ERRORS},
    ),
    partial_update=versioned_write(
        summary="Correct an entry or record its outcome",
        request=IterationWriteSerializer,
        responses={200: IterationEntrySerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class IterationViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    model = IterationEntry
    serializer_class = IterationEntrySerializer
    filterset_class = IterationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[IterationEntry]:
        return IterationEntry.objects.filter(use_case__organization__in=org_ids).order_by(
            "-happened_on", "-pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use_case = use_case_for_write(request)
        serializer = IterationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case")
        entry = services.iteration_entry_add(actor=actor(request), use_case=use_case, **values)
        return Response(IterationEntrySerializer(self.fresh(entry.pk)).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = access_iteration_entry(request.user, kwargs["pk"], perm=Perm.EDIT)
        serializer = IterationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        services.iteration_entry_update(
            actor=actor(request), entry=entry, expected_version=self.expected_version(), **values
        )
        return Response(IterationEntrySerializer(self.fresh(entry.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
