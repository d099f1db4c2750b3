"""``/api/v1/metrics/targets/``: the target, warning threshold and baseline of a metric for a
use case, in the caller's organizations; program managers and org admins set them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from metrics import selectors, services
from metrics.models import MetricTarget
from metrics.serializers import MetricTargetSerializer, MetricTargetWriteSerializer
from readiness import access
from readiness.api import (
    BAD_REQUEST,
    FORBIDDEN,
    WRITE_ERRORS,
    VersionedMixin,
    actor,
    member_org_ids,
    versioned_write,
)
from readiness.api.common import MAX_ID, PathIdsMixin, query_id
from readiness.models import Perm


@extend_schema_view(
    list=extend_schema(
        summary="Targets, warning thresholds and baselines",
        parameters=[
            OpenApiParameter(
                "use_case",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="Only this use case's targets.",
            )
        ],
        responses={200: MetricTargetSerializer(many=True), 400: BAD_REQUEST, 403: FORBIDDEN},
    ),
    create=versioned_write(
        summary="Set a metric's target for a use case (program managers and org admins)",
        description=(
            "Creates or replaces the target, warning threshold and baseline of one metric for "
            "one use case; all three null clears them. Values are in the metric's unit; "
            "rates are fractions (0.85 means 85%). `If-Match` takes the `version` of the target "
            'you read (`"0"`: you saw none); 412 if it changed since.'
        ),
        request=MetricTargetWriteSerializer,
        responses={
            200: MetricTargetSerializer,
            204: OpenApiResponse(description="Cleared."),
            **WRITE_ERRORS,
        },
    ),
)
@extend_schema(tags=["metrics"])
class MetricTargetViewSet(
    PathIdsMixin, VersionedMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = MetricTargetSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[MetricTarget]:
        if getattr(self, "swagger_fake_view", False):
            return MetricTarget.objects.none()
        return selectors.api_targets(
            member_org_ids(self.request.user), use_case_id=query_id(self.request, "use_case")
        )

    def create(self, request: Request) -> Response:
        serializer = MetricTargetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        use_case = access.access_use_case(request.user, data["use_case"], perm=Perm.EDIT)
        metric = selectors.metric_by_key(use_case, data["metric"])
        if metric is None:
            raise ValidationError({"metric": [f"Unknown metric '{data['metric']}'."]})
        target = services.metric_target_set(
            actor=actor(request),
            use_case=use_case,
            metric=metric,
            target=data["target"],
            warning=data["warning"],
            baseline=data["baseline"],
            expected_version=self.expected_version(),
        )
        if target is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(MetricTargetSerializer(target).data)
