"""The approved model registry, a use case's policy, and incidents under
``/api/v1/governance/``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance import access as gaccess
from governance import selectors, services
from governance.api.common import LIST_ERRORS, organization_for
from governance.models import (
    ApprovedModel,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Severity,
    UseCasePolicy,
)
from governance.serializers import (
    ApprovedModelSerializer,
    ApprovedModelUpdateSerializer,
    ApprovedModelWriteSerializer,
    IncidentCreateSerializer,
    IncidentNoteSerializer,
    IncidentReviewSerializer,
    IncidentSerializer,
    PolicySerializer,
)
from readiness import access
from readiness.api import (
    FORBIDDEN,
    READ_ERRORS,
    WRITE_ERRORS,
    IdFilter,
    ScopedViewSet,
    VersionedMixin,
    actor,
    versioned_read,
    versioned_write,
)
from readiness.api.versioning import etag
from readiness.models import Perm

# --- Registry ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Approved models and providers",
        responses={200: ApprovedModelSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One registry entry", responses={200: ApprovedModelSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class RegistryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ApprovedModel
    serializer_class = ApprovedModelSerializer
    filter_backends: list[Any] = []

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[ApprovedModel]:
        return (
            ApprovedModel.objects.filter(organization__in=org_ids)
            .select_related("organization")
            .order_by("pk")
        )

    @extend_schema(
        summary="Approve a model (reviewers and org admins)",
        request=ApprovedModelWriteSerializer,
        responses={201: ApprovedModelSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        slug = request.data.get("organization") if hasattr(request.data, "get") else None
        organization = organization_for(request, slug, Perm.REGISTRY)
        serializer = ApprovedModelWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("organization")
        entry = services.approved_model_save(
            actor=actor(request), organization=organization, **fields
        )
        return Response(ApprovedModelSerializer(self.fresh(entry.pk)).data, status=201)

    @extend_schema(
        summary="Change a registry entry (renew, restrict, expire)",
        request=ApprovedModelUpdateSerializer,
        responses={200: ApprovedModelSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        entry = gaccess.access_approved_model(request.user, pk, perm=Perm.REGISTRY)
        serializer = ApprovedModelUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.approved_model_save(
            actor=actor(request),
            organization=entry.organization,
            entry=entry,
            **serializer.validated_data,
        )
        return Response(ApprovedModelSerializer(self.fresh(entry.pk)).data)


# --- Policies ---------------------------------------------------------------------------------


@extend_schema(tags=["governance"])
class PolicyViewSet(VersionedMixin, ScopedViewSet):
    """A use case's governance policy, addressed by the use case's id. Its ETag is the policy's
    version, `"0"` while the use case has none (the body lists the policy's fields only)."""

    model = UseCasePolicy
    serializer_class = PolicySerializer
    lookup_url_kwarg = "use_case"

    @versioned_read(
        summary="The governance policy of a use case (empty defaults if none yet)",
        responses={200: PolicySerializer, **READ_ERRORS},
    )
    def retrieve(self, request: Request, use_case: str) -> Response:
        uc = access.access_use_case(request.user, use_case)
        policy = selectors.use_case_policy(uc) or UseCasePolicy(use_case=uc, version=0)
        return Response(PolicySerializer(policy).data, headers={"ETag": etag(policy.version)})

    @versioned_write(
        summary="Change the policy (program managers and org admins)",
        description="Changing the model after a gate passed sends that gate back to review.",
        request=PolicySerializer,
        responses={200: PolicySerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, use_case: str) -> Response:
        uc = access.access_use_case(request.user, use_case, perm=Perm.EDIT)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.policy_update(
            actor=actor(request),
            use_case=uc,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(PolicySerializer(policy).data, headers={"ETag": etag(policy.version)})


# --- Incidents --------------------------------------------------------------------------------


class IncidentFilter(filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id", help_text="Id of a use case.")
    status = filters.ChoiceFilter(choices=IncidentStatus.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = Incident
        fields = ("use_case", "status", "severity")


@extend_schema_view(
    list=extend_schema(
        summary="Incidents, newest first",
        responses={200: IncidentSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One incident with its timeline", responses={200: IncidentSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["governance"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Incident
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Incident]:
        return (
            Incident.objects.filter(use_case__organization__in=org_ids)
            .select_related("opened_by")
            .prefetch_related(Prefetch("updates", queryset=_updates()))
            .order_by("-opened_at", "-pk")
        )

    @extend_schema(
        summary="Record an incident",
        description="High and critical incidents notify the owner and the reviewers; an open "
        "critical incident blocks the use case's gates.",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = IncidentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        use_case = access.access_use_case(request.user, fields.pop("use_case"), perm=Perm.GOVERN)
        incident = services.incident_open(actor=actor(request), use_case=use_case, **fields)
        return Response(IncidentSerializer(self.fresh(incident.pk)).data, status=201)

    @extend_schema(
        summary="Add an update to the timeline, optionally moving the status",
        request=IncidentNoteSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def updates(self, request: Request, pk: str) -> Response:
        incident = gaccess.access_incident(request.user, pk, perm=Perm.GOVERN)
        serializer = IncidentNoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_update(
            actor=actor(request),
            incident=incident,
            note=serializer.validated_data["note"],
            status=serializer.validated_data.get("status"),
        )
        return Response(IncidentSerializer(self.fresh(incident.pk)).data, status=201)

    @extend_schema(
        summary="Record the post-incident review of a resolved incident (reviewers)",
        request=IncidentReviewSerializer,
        responses={200: IncidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        incident = gaccess.access_incident(request.user, pk, perm=Perm.SIGN_OFF)
        serializer = IncidentReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_review(
            actor=actor(request),
            incident=incident,
            review=serializer.validated_data["post_incident_review"],
        )
        return Response(IncidentSerializer(self.fresh(incident.pk)).data)


def _updates() -> QuerySet[IncidentUpdate]:
    return IncidentUpdate.objects.select_related("author").order_by("created_at", "pk")
