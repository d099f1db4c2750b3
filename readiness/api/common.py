"""What every viewset of the API shares: the documented error answers, the scoping to the
caller's organizations, the id filter, and the querysets the plan endpoints have in common."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Count, Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from readiness.models import ChecklistItem, Membership, User, Workstream
from readiness.serializers import ErrorSerializer, GateRefusedSerializer, ValidationErrorSerializer

# --- Documented error answers (bodies shaped by readiness.api_errors) -------------------------

BAD_REQUEST = OpenApiResponse(
    ValidationErrorSerializer, description="Invalid input, by field. Nothing was saved."
)
BAD_FILTER = OpenApiResponse(ValidationErrorSerializer, description="Invalid filter value.")
FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description="Not signed in, or your role in the organization may not do this.",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such object in the organizations you belong to."
)
GATE_REFUSED = OpenApiResponse(
    GateRefusedSerializer,
    description=(
        "The gate is shut: `blockers` lists everything missing. Also answered, with no "
        "blockers, when the use case is no longer in `expected_phase` or has no next gate."
    ),
)
READ_ERRORS = {403: FORBIDDEN, 404: NOT_FOUND}
WRITE_ERRORS = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


def member_org_ids(user: Any) -> QuerySet[Membership, Any]:
    """The ids of the user's organizations, as a subquery for ``organization__in``."""
    return Membership.objects.filter(user=user).values("organization_id")


def actor(request: Request) -> User:
    """The signed-in user; every view here requires authentication (DRF's IsAuthenticated)."""
    return cast(User, request.user)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with the primary key as the last tie-breaker, so pages never overlap."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "pk"] if ordering else ordering


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for the API's viewsets: ``scoped_queryset`` sees only the user's organizations."""

    model: type[Any]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.model.objects.none()
        return self.scoped_queryset(member_org_ids(self.request.user))

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def fresh(self, pk: int) -> Any:
        """The object again, as the read endpoints show it (after a service changed it)."""
        return self.scoped_queryset(member_org_ids(self.request.user)).get(pk=pk)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id in the query string. No existence check, so other tenants' ids reveal nothing."""


def workstreams_with_progress() -> QuerySet[Workstream]:
    return (
        Workstream.objects.select_related("owner")
        .annotate(
            items_total=Count("items"),
            items_done=Count("items", filter=Q(items__done=True)),
        )
        .order_by("number")
    )


def exit_criteria() -> Prefetch:
    return Prefetch(
        "exit_criteria",
        queryset=ChecklistItem.objects.select_related("done_by").order_by("position", "id"),
    )
