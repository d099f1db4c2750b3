"""The metrics API under ``/api/v1/metrics/``.

* ``POST samples/`` is for production systems, with an organization API token
  (``Authorization: Bearer rdy_…``) and nothing else: it is the only endpoint that accepts a
  token. It reads the raw body and hands it to the fast path in :mod:`metrics.ingest`.
* The other endpoints are for people signed in (session), scoped like the rest of the API.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import services
from metrics.auth import ApiTokenAuthentication, MachineClient
from metrics.ingest import BatchRefused, batch_error, max_batch, parse_batch
from metrics.models import MetricDefinition, MetricTarget
from metrics.serializers import (
    BatchErrorSerializer,
    IngestResultSerializer,
    MetricDefinitionCreateSerializer,
    MetricDefinitionSerializer,
    MetricDefinitionUpdateSerializer,
    MetricTargetSerializer,
    MetricTargetWriteSerializer,
    RecomputeResultSerializer,
    RecomputeSerializer,
    SampleSerializer,
)
from readiness import access
from readiness.api import BAD_REQUEST, FORBIDDEN, NOT_FOUND, WRITE_ERRORS, member_org_ids
from readiness.models import Membership, User
from readiness.serializers import ErrorSerializer

UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer, description="No token, an unknown token or a revoked one."
)


def _user(request: Request) -> User:
    return cast(User, request.user)


class HasApiToken(permissions.BasePermission):
    """The request came with a valid organization API token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, MachineClient)


def max_body_bytes() -> int:
    return int(getattr(settings, "METRICS_INGEST_MAX_BYTES", 16 * 1024 * 1024))


@extend_schema(tags=["metrics"])
class SampleIngestView(APIView):
    """Production systems send samples here with their organization's API token."""

    accepts_api_tokens = True
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasApiToken]

    @extend_schema(
        summary="Send a batch of metric samples",
        description=(
            f"A JSON list of at most {10_000:,} samples. The whole batch is checked first: if "
            "any sample is bad, the batch is refused with every sample's errors (by its index "
            "in the list) and **nothing is stored**. A sample whose use case, metric and "
            "`client_id` were already stored is skipped and counted as a duplicate, so a "
            "retried batch stores nothing twice. Rates are sent as `numerator` (successes) "
            "and `denominator` (trials), never as a percentage. Needs an organization API "
            "token (`Authorization: Bearer rdy_…`); a token limited to some use cases may "
            "write only to those."
        ),
        request=SampleSerializer(many=True),
        responses={
            201: IngestResultSerializer,
            400: OpenApiResponse(BatchErrorSerializer, description="Refused; nothing stored."),
            401: UNAUTHORIZED,
            403: OpenApiResponse(
                ErrorSerializer, description="A person's session instead of a token."
            ),
            413: OpenApiResponse(
                BatchErrorSerializer, description="Too many samples, or a body too large."
            ),
        },
        examples=[
            OpenApiExample(
                "A measured value",
                request_only=True,
                value={
                    "use_case": 12,
                    "metric": "latency_ms",
                    "timestamp": "2026-03-01T09:30:00Z",
                    "value": 840.5,
                    "client_id": "req-7f3a",
                },
            ),
            OpenApiExample(
                "A rate, as successes over trials",
                request_only=True,
                value={
                    "use_case": 12,
                    "metric": "acceptance_rate",
                    "timestamp": "2026-03-01T09:00:00Z",
                    "numerator": 41,
                    "denominator": 50,
                    "client_id": "hour-2026-03-01T09",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        client = cast(MachineClient, request.user)
        try:
            samples = parse_batch(self._body(request))
            result = services.samples_ingest(
                actor=client, organization=client.token.organization, samples=samples
            )
        except BatchRefused as refused:
            return Response({"errors": refused.errors}, status=refused.status)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)

    def _body(self, request: Request) -> bytes:
        """The raw body, refused over the size limit before it is read."""
        limit = max_body_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise batch_error(
                f"The body is larger than {limit // (1024 * 1024)} MB; send at most "
                f"{max_batch():,} samples per batch.",
                status=413,
            )
        stream = request.stream
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise batch_error(f"The body is larger than {limit // (1024 * 1024)} MB.", status=413)
        return body


@extend_schema(tags=["metrics"])
class RollupRecomputeView(APIView):
    """Recompute a use case's roll-ups now (program managers and org admins)."""

    @extend_schema(
        summary="Recompute a use case's roll-ups",
        description=(
            "Marks every day and week of the use case for recomputation and starts the roll-up "
            "job. Figures that come out the same are not rewritten."
        ),
        request=RecomputeSerializer,
        responses={202: RecomputeResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = RecomputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        use_case = access.access_use_case(
            request.user, serializer.validated_data["use_case"], predicate=access.WRITE
        )
        marked = services.rollup_recompute(actor=_user(request), use_case=use_case)
        return Response(
            {"use_case": use_case.pk, "periods_marked": marked}, status=status.HTTP_202_ACCEPTED
        )


def _definitions_for(user: Any) -> QuerySet[MetricDefinition]:
    return MetricDefinition.objects.filter(
        Q(organization__isnull=True) | Q(organization__in=member_org_ids(user))
    ).select_related("organization")


@extend_schema_view(
    list=extend_schema(
        summary="Metric definitions: the built-in catalog and your organizations' own",
        responses={200: MetricDefinitionSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One metric definition",
        responses={200: MetricDefinitionSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Add a metric to your organization (org admins)",
        request=MetricDefinitionCreateSerializer,
        responses={201: MetricDefinitionSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change one of your organization's metrics (org admins)",
        description="Built-in metrics cannot change; neither can a metric's key or kind.",
        request=MetricDefinitionUpdateSerializer,
        responses={200: MetricDefinitionSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=["metrics"])
class MetricDefinitionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MetricDefinitionSerializer
    filter_backends: list[Any] = []
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[MetricDefinition]:
        if getattr(self, "swagger_fake_view", False):
            return MetricDefinition.objects.none()
        return _definitions_for(self.request.user).order_by("organization_id", "level", "name")

    def create(self, request: Request) -> Response:
        serializer = MetricDefinitionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        slug = data.pop("organization")
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=_user(request), organization__slug=slug)
            .first()
        )
        if membership is None:
            raise Http404("No such organization")
        definition = services.metric_definition_create(
            actor=_user(request), organization=membership.organization, **data
        )
        return Response(MetricDefinitionSerializer(definition).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        definition = self.get_object()
        serializer = MetricDefinitionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        definition = services.metric_definition_update(
            actor=_user(request), definition=definition, **serializer.validated_data
        )
        return Response(MetricDefinitionSerializer(definition).data)


@extend_schema_view(
    list=extend_schema(
        summary="Targets, warning thresholds and baselines",
        parameters=[
            OpenApiParameter(
                "use_case", OpenApiTypes.INT, description="Only this use case's targets."
            )
        ],
        responses={200: MetricTargetSerializer(many=True), 400: BAD_REQUEST, 403: FORBIDDEN},
    ),
    create=extend_schema(
        summary="Set a metric's target for a use case (program managers and org admins)",
        description=(
            "Creates or replaces the target, warning threshold and baseline of one metric for "
            "one use case; all three null clears them. Values are in the metric's unit; "
            "rates are fractions (0.85 means 85%)."
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
class MetricTargetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MetricTargetSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[MetricTarget]:
        if getattr(self, "swagger_fake_view", False):
            return MetricTarget.objects.none()
        targets = MetricTarget.objects.filter(
            use_case__organization__in=member_org_ids(self.request.user)
        ).select_related("metric")
        use_case = self.request.query_params.get("use_case")
        if use_case is not None:
            if not use_case.isdigit():
                raise ValidationError({"use_case": ["Give a use case id."]})
            targets = targets.filter(use_case_id=int(use_case))
        return targets.order_by("use_case_id", "metric__level", "metric__name")

    def create(self, request: Request) -> Response:
        serializer = MetricTargetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        use_case = access.access_use_case(request.user, data["use_case"], predicate=access.WRITE)
        metric = (
            MetricDefinition.objects.filter(
                Q(organization__isnull=True) | Q(organization_id=use_case.organization_id),
                key=data["metric"],
            )
            .select_related("organization")
            .first()
        )
        if metric is None:
            raise ValidationError({"metric": [f"Unknown metric '{data['metric']}'."]})
        target = services.metric_target_set(
            actor=_user(request),
            use_case=use_case,
            metric=metric,
            target=data["target"],
            warning=data["warning"],
            baseline=data["baseline"],
        )
        if target is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(MetricTargetSerializer(target).data)
