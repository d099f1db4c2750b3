"""The 90-day plan of a use case: ``/api/v1/workstreams/``, ``/api/v1/checklist-items/`` and
``/api/v1/phases/``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, services
from readiness.api.common import (
    BAD_FILTER,
    FORBIDDEN,
    READ_ERRORS,
    WRITE_ERRORS,
    BooleanFilter,
    IdFilter,
    ScopedViewSet,
    actor,
    exit_criteria,
    workstreams_with_progress,
)
from readiness.api.serializers import (
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    ErrorSerializer,
    PhaseSerializer,
    PhaseUpdateSerializer,
    WorkstreamSerializer,
    WorkstreamUpdateSerializer,
)
from readiness.api.versioning import VersionedMixin, versioned_read, versioned_write
from readiness.models import ChecklistItem, Phase, Workstream

REFUSED_BY_RECORD = OpenApiResponse(
    ErrorSerializer,
    description="The item follows a record and cannot be ticked by hand; `detail` names the "
    "record and the page where it is changed.",
)

# --- Workstreams -----------------------------------------------------------------------------


class WorkstreamFilter(filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id", help_text="Id of a use case.")

    class Meta:
        model = Workstream
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Workstreams of the use cases in your organizations",
        responses={200: WorkstreamSerializer(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    ),
    retrieve=versioned_read(
        summary="One workstream with its checklist",
        responses={200: WorkstreamSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["workstreams"])
class WorkstreamViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    model = Workstream
    serializer_class = WorkstreamSerializer
    filterset_class = WorkstreamFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Workstream]:
        return (
            workstreams_with_progress()
            .filter(use_case__organization__in=org_ids)
            .select_related("use_case__organization")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=ChecklistItem.objects.select_related("done_by", "owner").order_by(
                        "position", "id"
                    ),
                )
            )
            .order_by("use_case_id", "number")
        )

    @versioned_write(
        summary="Change a workstream",
        description=(
            "Owner (email of a member, or null), status, health, due date, notes; only the "
            "fields sent change. The status follows the items: send the one they give, or "
            "`at_risk` or `blocked` to flag unfinished work (400 otherwise, saying why). Moving "
            "the due date moves the open items due with it. Org admins and program managers "
            "only."
        ),
        request=WorkstreamUpdateSerializer,
        responses={200: WorkstreamSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        workstream = access.access_workstream(request.user, pk, perm=access.WRITE)
        serializer = WorkstreamUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.workstream_update(
            actor=actor(request),
            workstream=workstream,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return Response(WorkstreamSerializer(self.fresh(workstream.pk)).data)


# --- Checklist items -------------------------------------------------------------------------


class ChecklistItemFilter(filters.FilterSet):
    use_case = IdFilter(method="for_use_case", help_text="Id of a use case (items and criteria).")
    workstream = IdFilter(field_name="workstream_id", help_text="Id of a workstream.")
    phase = IdFilter(field_name="phase_id", help_text="Id of a phase (its exit criteria).")
    done = BooleanFilter()

    class Meta:
        model = ChecklistItem
        fields = ("use_case", "workstream", "phase", "done")

    def for_use_case(
        self, queryset: QuerySet[ChecklistItem], name: str, value: Any
    ) -> QuerySet[ChecklistItem]:
        return queryset.filter(Q(workstream__use_case_id=value) | Q(phase__use_case_id=value))


@extend_schema_view(
    list=extend_schema(
        summary="Checklist items: workstream items and phase exit criteria",
        responses={200: ChecklistItemSerializer(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    ),
    retrieve=versioned_read(
        summary="One checklist item", responses={200: ChecklistItemSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["checklist-items"])
class ChecklistItemViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    model = ChecklistItem
    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[ChecklistItem]:
        return (
            ChecklistItem.objects.filter(
                Q(workstream__use_case__organization__in=org_ids)
                | Q(phase__use_case__organization__in=org_ids)
            )
            .select_related("workstream__use_case__organization", "phase", "done_by", "owner")
            .order_by("pk")
        )

    @versioned_write(
        summary="Tick or untick a checklist item, or set its owner and due date",
        description=(
            "`done` ticks or unticks a judgment; ticking twice changes nothing. An item that "
            "follows a record (its `source` is set) is ticked from that record and answers 409 "
            "naming it. Exit criteria of a phase that has passed its gate are final (400). "
            "`owner` (email of a member, or null) and `due_date` (or null) set who is reminded "
            "and when. Org admins and program managers only."
        ),
        request=ChecklistItemUpdateSerializer,
        responses={200: ChecklistItemSerializer, **WRITE_ERRORS, 409: REFUSED_BY_RECORD},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = access.access_checklist_item(request.user, pk, perm=access.WRITE)
        serializer = ChecklistItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        planning = {k: data[k] for k in ("owner", "due_date") if k in data}
        services.checklist_item_change(
            actor=actor(request),
            item=item,
            done=data.get("done"),
            expected_version=self.expected_version(),
            **planning,
        )
        return Response(ChecklistItemSerializer(self.fresh(item.pk)).data)


# --- Phases ----------------------------------------------------------------------------------


class PhaseFilter(filters.FilterSet):
    use_case = IdFilter(field_name="use_case_id", help_text="Id of a use case.")

    class Meta:
        model = Phase
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Phases of the 90-day plans, with their exit criteria",
        responses={200: PhaseSerializer(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    ),
    retrieve=versioned_read(
        summary="One phase with its exit criteria", responses={200: PhaseSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["phases"])
class PhaseViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Phase
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Phase]:
        return (
            Phase.objects.filter(use_case__organization__in=org_ids)
            .prefetch_related(exit_criteria())
            .order_by("use_case_id", "number")
        )

    @versioned_write(
        summary="Re-plan a phase",
        description=(
            "Send `planned_start`, `planned_end` or both; the end may not come before the "
            "start. Org admins and program managers only."
        ),
        request=PhaseUpdateSerializer,
        responses={200: PhaseSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        phase = access.access_phase(request.user, pk, perm=access.WRITE)
        serializer = PhaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        dates = serializer.validated_data
        services.phase_update_dates(
            actor=actor(request),
            phase=phase,
            planned_start=dates.get("planned_start", phase.planned_start),
            planned_end=dates.get("planned_end", phase.planned_end),
            expected_version=self.expected_version(),
        )
        return Response(PhaseSerializer(self.fresh(phase.pk)).data)
