"""The executive API under ``/api/v1/``: the portfolio, the scale case and decision, and
integrations. A thin layer over :mod:`readiness.portfolio` and the services, scoped like
:mod:`readiness.api` (another tenant's objects answer 404, read-only roles 403)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, services
from readiness.api.common import (
    BAD_FILTER,
    FORBIDDEN,
    GATE_REFUSED,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    actor,
)
from readiness.models import Integration, ScaleDecision
from readiness.portfolio import PHASES, SORTS, VERDICTS, portfolio_row, portfolio_rows
from readiness.serializers_executive import (
    IntegrationSerializer,
    IntegrationWriteSerializer,
    PortfolioPageSerializer,
    ScaleCaseSerializer,
    ScaleDecideSerializer,
    ScaleDecisionSerializer,
)
from readiness.services.scale import DECIDE, scale_blockers

_FILTERS = ("team", "phase", "verdict", "risk_tier", "q")


@extend_schema(tags=["portfolio"])
class PortfolioViewSet(viewsets.ViewSet):
    @extend_schema(
        summary="The executive portfolio of one organization",
        description=(
            "Every use case with its phase and plan day, readiness score and breakdown, verdict "
            "and reasons, open blockers, governance progress and scorecard status. Paginated "
            "(50 per page); a constant number of queries whatever the portfolio's size."
        ),
        parameters=[
            OpenApiParameter("organization", str, required=True, description="Organization slug."),
            OpenApiParameter("verdict", str, enum=list(VERDICTS)),
            OpenApiParameter("phase", str, enum=list(PHASES)),
            OpenApiParameter("team", str),
            OpenApiParameter("risk_tier", str),
            OpenApiParameter("q", str, description="Name, team or workflow contains."),
            OpenApiParameter(
                "sort", str, description=f"One of {', '.join(SORTS)}; '-' for descending."
            ),
            OpenApiParameter("page", int),
        ],
        responses={200: PortfolioPageSerializer, 400: BAD_FILTER, **READ_ERRORS},
    )
    def list(self, request: Request) -> Response:
        slug = request.query_params.get("organization") or ""
        if not slug:
            return Response(
                {"organization": ["Give the slug of one of your organizations."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        membership = access.membership_for(request.user, slug)
        try:
            page = int(request.query_params.get("page") or 1)
        except ValueError:
            return Response({"page": ["A page number."]}, status=status.HTTP_400_BAD_REQUEST)
        result = portfolio_rows(
            membership.organization,
            filters={k: request.query_params.get(k) for k in _FILTERS},
            sort=request.query_params.get("sort") or "verdict",
            page=page,
        )
        data = {
            "count": result.count,
            "page": result.page,
            "num_pages": result.num_pages,
            "sort": result.sort,
            "results": [row.as_dict() for row in result],
        }
        return Response(PortfolioPageSerializer(data).data)


@extend_schema(tags=["scale"])
class ScaleViewSet(viewsets.ViewSet):
    """``/api/v1/scale/{use_case_id}/``: the scale case; ``.../decide/``: the decision."""

    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="The scale case of a use case",
        description="The six answers with evidence, the verdict and its reasons, decisions.",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: ScaleCaseSerializer, **READ_ERRORS},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk)
        membership = access.membership_of(request.user, use_case.organization_id)
        row = portfolio_row(use_case)
        blockers, _ = scale_blockers(use_case)
        data = {
            "row": row.as_dict(),
            "questions": [
                {
                    "key": q.key,
                    "question": q.question,
                    "flagged": q.flagged,
                    "reasons": q.reasons if q.flagged else [],
                    "parts": q.parts,
                }
                for q in row.answers
            ],
            "blockers": blockers,
            "may_decide": membership.can_decide_scale and row.verdict == "ready_to_scale",
            "decisions": ScaleDecision.objects.filter(use_case=use_case)
            .select_related("decided_by")
            .order_by("-decided_at", "-id"),
        }
        return Response(ScaleCaseSerializer(data).data)

    @extend_schema(
        summary="Approve, decline or defer scale",
        description=(
            "Executives only. The use case must be in production with every question answered "
            "and no scale blocker (else 409 with every blocker). Approving marks it scaled; "
            "declining or deferring (with `revisit_on`) keeps it in production. The decision, "
            "rationale and evidence are audited."
        ),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=ScaleDecideSerializer,
        responses={201: ScaleDecisionSerializer, **WRITE_ERRORS, 409: GATE_REFUSED},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk, predicate=DECIDE)
        serializer = ScaleDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.scale_decide(
            actor=actor(request),
            use_case=use_case,
            outcome=serializer.validated_data["outcome"],
            rationale=serializer.validated_data["rationale"],
            revisit_on=serializer.validated_data.get("revisit_on"),
        )
        return Response(ScaleDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Integrations of your use cases",
        parameters=[OpenApiParameter("use_case", int, description="Only this use case's.")],
        responses={200: IntegrationSerializer(many=True), 400: BAD_FILTER, **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One integration", responses={200: IntegrationSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["integrations"])
class IntegrationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Integration
    serializer_class = IntegrationSerializer

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Integration]:
        qs = Integration.objects.filter(use_case__organization__in=org_ids).select_related("owner")
        use_case = self.request.query_params.get("use_case") if self.request else None
        if use_case and use_case.isdigit():
            qs = qs.filter(use_case_id=int(use_case))
        return qs.order_by("use_case_id", "name", "pk")

    @extend_schema(
        summary="Record an integration",
        description="Org admins and program managers of the use case's organization.",
        request=IntegrationWriteSerializer,
        responses={201: IntegrationSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        use_case_id = request.data.get("use_case") if hasattr(request.data, "get") else None
        use_case = access.access_use_case(request.user, use_case_id, predicate=access.WRITE)
        serializer = IntegrationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("use_case")
        integration = services.integration_save(actor=actor(request), use_case=use_case, **fields)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)

    @extend_schema(
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
            actor=actor(request), use_case=integration.use_case, integration=integration, **fields
        )
        return Response(IntegrationSerializer(saved).data)

    @extend_schema(
        summary="Remove an integration",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        integration = self._writable(request, pk)
        services.integration_delete(actor=actor(request), integration=integration)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _writable(self, request: Request, pk: str) -> Integration:
        from readiness.views.integrations import access_integration

        return access_integration(request.user, pk, org_slug=None, predicate=access.WRITE)
