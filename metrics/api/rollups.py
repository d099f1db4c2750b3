"""``POST /api/v1/metrics/rollups/recompute/``: recompute a use case's roll-ups now."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import services
from metrics.serializers import RecomputeResultSerializer, RecomputeSerializer
from readiness import access
from readiness.api import WRITE_ERRORS, actor
from readiness.models import Perm


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
            request.user, serializer.validated_data["use_case"], perm=Perm.EDIT
        )
        marked = services.rollup_recompute(actor=actor(request), use_case=use_case)
        return Response(
            {"use_case": use_case.pk, "periods_marked": marked}, status=status.HTTP_202_ACCEPTED
        )
