"""``/api/v1/scale/``: the scale case of one use case, and the executive's decision on it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio.api.serializers import (
    ScaleCaseSerializer,
    ScaleDecideSerializer,
    ScaleDecisionSerializer,
)
from portfolio.selectors import portfolio_row, scale_blockers, scale_decisions
from portfolio.services.scale import scale_decide
from readiness import access
from readiness.api.common import GATE_REFUSED, READ_ERRORS, WRITE_ERRORS, PathIdsMixin, actor
from readiness.models import Perm


@extend_schema(tags=["scale"])
class ScaleViewSet(PathIdsMixin, viewsets.ViewSet):
    """``/api/v1/scale/{use_case_id}/``: the scale case; ``.../decide/``: the decision."""

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
            "decisions": scale_decisions(use_case),
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
        use_case = access.access_use_case(request.user, pk, perm=Perm.DECIDE_SCALE)
        serializer = ScaleDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = scale_decide(
            actor=actor(request),
            use_case=use_case,
            outcome=serializer.validated_data["outcome"],
            rationale=serializer.validated_data["rationale"],
            revisit_on=serializer.validated_data.get("revisit_on"),
        )
        return Response(ScaleDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
