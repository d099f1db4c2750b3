"""Cohorts and their training records under /api/v1/adoption/."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from adoption import services
from adoption.access import access_cohort
from adoption.api.common import TAG, UseCaseFilter, body_of, members_by_email, use_case_for_write
from adoption.models import Cohort, TrainingRecord
from adoption.serializers import (
    CohortSerializer,
    CohortWriteSerializer,
    GoLiveSerializer,
    TrainingRecordSerializer,
    TrainingWriteSerializer,
)
from readiness.api import (
    FORBIDDEN,
    GATE_REFUSED,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    VersionedMixin,
    actor,
    versioned_read,
    versioned_write,
)
from readiness.models import Perm, User

# --- Cohorts ---------------------------------------------------------------------------------


class CohortFilter(UseCaseFilter):
    status = filters.ChoiceFilter(choices=Cohort.Status.choices)

    class Meta:
        model = Cohort
        fields = ("use_case", "status")


@extend_schema_view(
    list=extend_schema(
        summary="Cohorts of the use cases in your organizations",
        responses={200: CohortSerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=versioned_read(summary="One cohort", responses={200: CohortSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Plan a cohort",
        description="Org admins and program managers. Managers and members by email.",
        request=CohortWriteSerializer,
        responses={201: CohortSerializer, **WRITE_ERRORS},
    ),
    partial_update=versioned_write(
        summary="Change a cohort",
        description="Managers added to a live cohort must already be trained.",
        request=CohortWriteSerializer,
        responses={200: CohortSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class CohortViewSet(
    VersionedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    model = Cohort
    serializer_class = CohortSerializer
    filterset_class = CohortFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Cohort]:
        people = User.objects.order_by("email")
        return (
            Cohort.objects.filter(use_case__organization__in=org_ids)
            .prefetch_related(Prefetch("managers", people), Prefetch("members", people))
            .order_by("use_case_id", "planned_go_live", "name", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use_case = use_case_for_write(request)
        serializer = CohortWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        org = use_case.organization
        cohort = services.cohort_create(
            actor=actor(request),
            use_case=use_case,
            managers=members_by_email(org, values.pop("managers", None), "managers") or [],
            members=members_by_email(org, values.pop("members", None), "members") or [],
            **values,
        )
        return Response(CohortSerializer(self.fresh(cohort.pk)).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = access_cohort(request.user, kwargs["pk"], perm=Perm.EDIT)
        serializer = CohortWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        org = cohort.use_case.organization
        services.cohort_update(
            actor=actor(request),
            cohort=cohort,
            managers=members_by_email(org, values.pop("managers", None), "managers"),
            members=members_by_email(org, values.pop("members", None), "members"),
            expected_version=self.expected_version(),
            **values,
        )
        return Response(CohortSerializer(self.fresh(cohort.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Take the cohort live",
        description=(
            "Refused (409, `blockers`) while a manager is untrained, the cohort names no "
            "manager or member, or the use case has no usage boundaries published."
        ),
        request=GoLiveSerializer,
        responses={200: CohortSerializer, 409: GATE_REFUSED, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request: Request, pk: str) -> Response:
        cohort = access_cohort(request.user, pk, perm=Perm.EDIT)
        serializer = GoLiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cohort_go_live(
            actor=actor(request), cohort=cohort, on=serializer.validated_data.get("on")
        )
        return Response(CohortSerializer(self.fresh(cohort.pk)).data)


# --- Training --------------------------------------------------------------------------------


class TrainingFilter(UseCaseFilter):
    cohort = filters.NumberFilter(field_name="cohort_id")

    class Meta:
        model = TrainingRecord
        fields = ("use_case", "cohort")


@extend_schema_view(
    list=extend_schema(
        summary="Training records in your organizations",
        responses={200: TrainingRecordSerializer(many=True), 403: FORBIDDEN},
    ),
    create=extend_schema(
        summary="Record that someone completed training",
        description="Org admins and program managers. The person must belong to the organization.",
        request=TrainingWriteSerializer,
        responses={201: TrainingRecordSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class TrainingViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    model = TrainingRecord
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[TrainingRecord]:
        return (
            TrainingRecord.objects.filter(use_case__organization__in=org_ids)
            .select_related("user")
            .order_by("-completed_on", "-pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = access_cohort(request.user, body_of(request).get("cohort"), perm=Perm.EDIT)
        serializer = TrainingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("cohort")
        (user,) = members_by_email(cohort.use_case.organization, [values.pop("user")], "user") or []
        record = services.training_record_add(
            actor=actor(request), use_case=cohort.use_case, cohort=cohort, user=user, **values
        )
        return Response(TrainingRecordSerializer(self.fresh(record.pk)).data, status=201)
