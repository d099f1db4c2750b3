"""The REST API under ``/api/v1/``: a thin DRF layer over the access layer, the services and the gate.

Reads: every queryset starts from the organizations the requesting user belongs to, so another
tenant's objects answer 404 exactly like missing ones. Writes: the object is looked up through
:mod:`readiness.access` with the write predicate (404, then 403 for a read-only role) before the
body is even validated, and the change itself is made by one service function, which checks the
role again, validates, audits and raises; :mod:`readiness.api_errors` turns its errors into 400,
403 and 409 answers. List endpoints run a fixed number of queries whatever the page size.

Authentication uses the project default (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``)
so that organization API tokens can be added in one place; with session authentication alone,
an anonymous request gets 403.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, gate, services
from readiness.models import (
    BehaviorSpecVersion,
    ChecklistItem,
    Membership,
    Phase,
    RiskTier,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
)
from readiness.serializers import (
    BehaviorSpecSerializer,
    BehaviorSpecWriteSerializer,
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    ErrorSerializer,
    GateRefusedSerializer,
    GateSerializer,
    OrganizationSerializer,
    PhaseSerializer,
    PhaseUpdateSerializer,
    TransitionSerializer,
    UseCaseCreateSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    UseCaseUpdateSerializer,
    ValidationErrorSerializer,
    WorkstreamSerializer,
    WorkstreamUpdateSerializer,
)

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


# --- Organizations ---------------------------------------------------------------------------


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


# --- Use cases -------------------------------------------------------------------------------


class UseCaseFilter(filters.FilterSet):
    organization = filters.CharFilter(
        field_name="organization__slug", help_text="Slug of one of your organizations."
    )
    status = filters.ChoiceFilter(choices=UseCaseStatus.choices)
    risk_tier = filters.ChoiceFilter(choices=RiskTier.choices)
    current_phase = filters.TypedChoiceFilter(
        choices=[(n, str(n)) for n in Phase.NAMES], coerce=int, help_text="1, 2 or 3."
    )
    team = filters.CharFilter(lookup_expr="iexact", help_text="Team name (any case).")
    q = filters.CharFilter(
        method="search",
        help_text="Words that must each appear in the name, workflow, team or target outcome.",
    )

    class Meta:
        model = UseCase
        fields = ("organization", "status", "risk_tier", "current_phase", "team", "q")

    def search(self, queryset: QuerySet[UseCase], name: str, value: str) -> QuerySet[UseCase]:
        for word in value.split():
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(workflow__icontains=word)
                | Q(team__icontains=word)
                | Q(target_outcome__icontains=word)
            )
        return queryset


USE_CASE_ORDERING = (
    "name",
    "priority_score",
    "start_date",
    "current_phase",
    "team",
    "created_at",
    "updated_at",
)


def _workstreams_with_progress() -> QuerySet[Workstream]:
    return (
        Workstream.objects.select_related("owner")
        .annotate(
            items_total=Count("items"),
            items_done=Count("items", filter=Q(items__done=True)),
        )
        .order_by("number")
    )


def _exit_criteria() -> Prefetch:
    return Prefetch(
        "exit_criteria",
        queryset=ChecklistItem.objects.select_related("done_by").order_by("position", "id"),
    )


def _use_case_detail(queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """Load what UseCaseDetailSerializer shows in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("workstreams", queryset=_workstreams_with_progress()),
        Prefetch(
            "phases", queryset=Phase.objects.order_by("number").prefetch_related(_exit_criteria())
        ),
        Prefetch(
            "spec_versions",
            queryset=BehaviorSpecVersion.objects.select_related("created_by").order_by("-version")[
                :1
            ],
            to_attr="latest_spec",
        ),
    )


@extend_schema_view(
    list=extend_schema(
        summary="Use cases in your organizations",
        description=(
            "Highest priority first. `ordering` takes one or more of "
            + ", ".join(f"`{f}`" for f in USE_CASE_ORDERING)
            + ", comma-separated, each optionally prefixed with `-` for descending."
        ),
        responses={200: UseCaseSerializer(many=True), 400: BAD_FILTER, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One use case with its workstreams, plan, current spec and next gate",
        responses={200: UseCaseDetailSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["use-cases"])
class UseCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Use cases. There is no DELETE: a use case is retired, never removed (405)."""

    model = UseCase
    filter_backends = [filters.DjangoFilterBackend, StableOrderingFilter]
    filterset_class = UseCaseFilter
    ordering_fields = USE_CASE_ORDERING
    ordering = ("-priority_score", "name")

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[UseCase]:
        queryset: QuerySet[UseCase] = UseCase.objects.filter(
            organization__in=org_ids
        ).select_related("organization", "owner")
        if self.action == "retrieve":
            queryset = _use_case_detail(queryset)
        return queryset

    def get_serializer_class(self) -> type[UseCaseSerializer]:
        return UseCaseSerializer if self.action == "list" else UseCaseDetailSerializer

    def _detail(self, pk: int, code: int = status.HTTP_200_OK, **kwargs: Any) -> Response:
        base = UseCase.objects.filter(organization__in=member_org_ids(self.request.user))
        use_case = _use_case_detail(base.select_related("organization", "owner")).get(pk=pk)
        data = UseCaseDetailSerializer(use_case, context=self.get_serializer_context()).data
        return Response(data, status=code, **kwargs)

    @extend_schema(
        summary="Create a use case",
        description=(
            "Creates the use case in phase 1 with its seven workstreams and its three-phase plan. "
            "`organization` is the slug of one of your organizations; `owner` is the email "
            "address of one of its members. Org admins and program managers only."
        ),
        request=UseCaseCreateSerializer,
        responses={201: UseCaseDetailSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        slug = request.data.get("organization") if hasattr(request.data, "get") else None
        if isinstance(slug, str):
            # A read-only role hears 403 even when its body is also invalid; an unknown
            # organization is left to the serializer, which reports it as a field error.
            with contextlib.suppress(Http404):
                access.membership_for(request.user, slug, predicate=access.WRITE)
        serializer = UseCaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        organization = fields.pop("organization")
        use_case = services.use_case_create(
            actor=actor(request), organization=organization, **fields
        )
        location = reverse("api-use-case-detail", kwargs={"pk": use_case.pk})
        return self._detail(use_case.pk, status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary="Change a use case",
        description=(
            "Only the fields sent change; the priority score is recomputed. Status and phase "
            "change only through `transition`. Org admins and program managers only."
        ),
        request=UseCaseUpdateSerializer,
        responses={200: UseCaseDetailSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk, predicate=access.WRITE)
        serializer = UseCaseUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        services.use_case_update(
            actor=actor(request), use_case=use_case, **serializer.validated_data
        )
        return self._detail(use_case.pk)

    @extend_schema(
        summary="Pass the next gate",
        description=(
            "Moves the use case into its next phase (or, from phase 3, into production) if "
            "every check on the gate passes; otherwise answers 409 with every blocker and "
            "changes nothing. Send `expected_phase` to make a retried request safe."
        ),
        request=TransitionSerializer,
        responses={200: UseCaseDetailSerializer, **WRITE_ERRORS, 409: GATE_REFUSED},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk, predicate=access.WRITE)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.phase_transition(
            actor=actor(request),
            use_case=use_case,
            expected_phase=serializer.validated_data.get("expected_phase"),
        )
        return self._detail(use_case.pk)

    @extend_schema(
        summary="The next gate and what blocks it now",
        description="Asks every check without transitioning. Any member may ask.",
        responses={200: GateSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def gate(self, request: Request, pk: str) -> Response:
        use_case = self.get_object()
        target = gate.next_target(use_case)
        blockers = gate.evaluate(use_case, target) if target else []
        data = {
            "target": target,
            "can_transition": target is not None and not blockers,
            "blockers": blockers,
        }
        return Response(GateSerializer(data).data)

    @extend_schema(
        methods=["GET"],
        summary="The production behavior spec: current version and history",
        responses={200: BehaviorSpecSerializer, **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Save a new version of the behavior spec",
        description=(
            "Every field is required; earlier versions are kept. Answers 400 when nothing "
            "differs from the current version. Org admins and program managers only."
        ),
        request=BehaviorSpecWriteSerializer,
        responses={201: BehaviorSpecSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def spec(self, request: Request, pk: str) -> Response:
        code: int = status.HTTP_200_OK
        if request.method == "POST":
            use_case = access.access_use_case(request.user, pk, predicate=access.WRITE)
            serializer = BehaviorSpecWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.behavior_spec_save(
                actor=actor(request), use_case=use_case, **serializer.validated_data
            )
            code = status.HTTP_201_CREATED
        else:
            use_case = self.get_object()
        versions = list(
            BehaviorSpecVersion.objects.filter(use_case=use_case)
            .select_related("created_by")
            .order_by("-version")
        )
        data = {"current": versions[0] if versions else None, "versions": versions}
        return Response(BehaviorSpecSerializer(data).data, status=code)


# --- Workstreams -----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An id in the query string. No existence check, so other tenants' ids reveal nothing."""


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
    retrieve=extend_schema(
        summary="One workstream with its checklist",
        responses={200: WorkstreamSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["workstreams"])
class WorkstreamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Workstream
    serializer_class = WorkstreamSerializer
    filterset_class = WorkstreamFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Workstream]:
        return (
            _workstreams_with_progress()
            .filter(use_case__organization__in=org_ids)
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=ChecklistItem.objects.select_related("done_by").order_by(
                        "position", "id"
                    ),
                )
            )
            .order_by("use_case_id", "number")
        )

    @extend_schema(
        summary="Change a workstream",
        description=(
            "Owner (email of a member, or null), status, health, due date, notes; only the "
            "fields sent change. Org admins and program managers only."
        ),
        request=WorkstreamUpdateSerializer,
        responses={200: WorkstreamSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        workstream = access.access_workstream(request.user, pk, predicate=access.WRITE)
        serializer = WorkstreamUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.workstream_update(
            actor=actor(request), workstream=workstream, **serializer.validated_data
        )
        return Response(WorkstreamSerializer(self.fresh(workstream.pk)).data)


# --- Checklist items -------------------------------------------------------------------------


class ChecklistItemFilter(filters.FilterSet):
    use_case = IdFilter(method="for_use_case", help_text="Id of a use case (items and criteria).")
    workstream = IdFilter(field_name="workstream_id", help_text="Id of a workstream.")
    phase = IdFilter(field_name="phase_id", help_text="Id of a phase (its exit criteria).")
    done = filters.BooleanFilter()

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
    retrieve=extend_schema(
        summary="One checklist item", responses={200: ChecklistItemSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["checklist-items"])
class ChecklistItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = ChecklistItem
    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[ChecklistItem]:
        return (
            ChecklistItem.objects.filter(
                Q(workstream__use_case__organization__in=org_ids)
                | Q(phase__use_case__organization__in=org_ids)
            )
            .select_related("workstream", "phase", "done_by")
            .order_by("pk")
        )

    @extend_schema(
        summary="Tick or untick a checklist item",
        description=(
            "Ticking twice changes nothing. Exit criteria of a phase that has passed its gate "
            "are final (400). Org admins and program managers only."
        ),
        request=ChecklistItemUpdateSerializer,
        responses={200: ChecklistItemSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = access.access_checklist_item(request.user, pk, predicate=access.WRITE)
        serializer = ChecklistItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "done" in serializer.validated_data:
            services.checklist_item_set_done(
                actor=actor(request), item=item, done=serializer.validated_data["done"]
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
    retrieve=extend_schema(
        summary="One phase with its exit criteria", responses={200: PhaseSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["phases"])
class PhaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Phase
    serializer_class = PhaseSerializer
    filterset_class = PhaseFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Phase]:
        return (
            Phase.objects.filter(use_case__organization__in=org_ids)
            .prefetch_related(_exit_criteria())
            .order_by("use_case_id", "number")
        )

    @extend_schema(
        summary="Re-plan a phase",
        description=(
            "Send `planned_start`, `planned_end` or both; the end may not come before the "
            "start. Org admins and program managers only."
        ),
        request=PhaseUpdateSerializer,
        responses={200: PhaseSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        phase = access.access_phase(request.user, pk, predicate=access.WRITE)
        serializer = PhaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        dates = serializer.validated_data
        services.phase_update_dates(
            actor=actor(request),
            phase=phase,
            planned_start=dates.get("planned_start", phase.planned_start),
            planned_end=dates.get("planned_end", phase.planned_end),
        )
        return Response(PhaseSerializer(self.fresh(phase.pk)).data)
