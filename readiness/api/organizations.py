"""``/api/v1/organizations/``: the caller's organizations, with their role in each."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from readiness.api.common import FORBIDDEN, READ_ERRORS, actor
from readiness.api.serializers import OrganizationSerializer
from readiness.models import Membership


@extend_schema_view(
    list=extend_schema(
        summary="Your organizations, with your role in each",
        responses={200: OrganizationSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One of your organizations",
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: OrganizationSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["organizations"])
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganizationSerializer
    filter_backends: list[Any] = []
    lookup_field = "organization__slug"
    lookup_url_kwarg = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return (
            Membership.objects.filter(user=actor(self.request))
            .select_related("organization")
            .order_by("organization__name", "pk")
        )
