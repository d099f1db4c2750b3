"""``/api/v1/portfolio/``: the executive portfolio of one organization, filtered, sorted, paged."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio.api.serializers import PortfolioPageSerializer
from portfolio.rows import PHASES, VERDICTS
from portfolio.selectors import SORTS, portfolio_rows
from readiness import access
from readiness.api.common import BAD_FILTER, READ_ERRORS, PathIdsMixin

_FILTERS = ("team", "phase", "verdict", "risk_tier", "q")


@extend_schema(tags=["portfolio"])
class PortfolioViewSet(PathIdsMixin, viewsets.ViewSet):
    @extend_schema(
        summary="The executive portfolio of one organization",
        description=(
            "Every use case with its phase and plan day, readiness score and breakdown, verdict "
            "and reasons, open blockers, governance progress and scorecard status. Paginated "
            "(25 per page); a constant number of queries whatever the portfolio's size. Read "
            "from each use case's stored readiness, which is judged again before it is read "
            "whenever one of its inputs changed since, so it always equals a fresh evaluation."
        ),
        parameters=[
            OpenApiParameter(
                "organization",
                {"type": "string", "minLength": 1, "pattern": "^[-a-zA-Z0-9_]+$"},
                required=True,
                description="Organization slug.",
            ),
            OpenApiParameter("verdict", str, enum=list(VERDICTS)),
            OpenApiParameter("phase", str, enum=list(PHASES)),
            OpenApiParameter("team", str),
            OpenApiParameter("risk_tier", str),
            OpenApiParameter("q", str, description="Name, team or workflow contains."),
            OpenApiParameter(
                "sort",
                str,
                description=(
                    f"One of {', '.join(SORTS)}; '-' for descending (e.g. '-score': highest "
                    "readiness score first; '-blockers': most open blockers first). Unknown "
                    "values fall back to 'verdict'. Verdict, score and blockers sort on each "
                    "use case's stored readiness, kept up to date when its inputs change."
                ),
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
