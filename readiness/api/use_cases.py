"""``/api/v1/use-cases/``: use cases, their gate and transitions, and the behavior spec."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, gate, services
from readiness.api.common import (
    BAD_FILTER,
    BAD_REQUEST,
    FORBIDDEN,
    GATE_REFUSED,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    StableOrderingFilter,
    actor,
    exit_criteria,
    member_org_ids,
    workstreams_with_progress,
)
from readiness.api.serializers import (
    BehaviorSpecSerializer,
    BehaviorSpecWriteSerializer,
    GateSerializer,
    TransitionSerializer,
    UseCaseCreateSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    UseCaseUpdateSerializer,
)
from readiness.api.versioning import VersionedMixin, versioned_read, versioned_write
from readiness.models import BehaviorSpecVersion, Phase, RiskTier, UseCase, UseCaseStatus


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


def _use_case_detail(queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """Load what UseCaseDetailSerializer shows in a fixed number of queries."""
    return queryset.prefetch_related(
        Prefetch("workstreams", queryset=workstreams_with_progress()),
        Prefetch(
            "phases", queryset=Phase.objects.order_by("number").prefetch_related(exit_criteria())
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
    retrieve=versioned_read(
        summary="One use case with its workstreams, plan, current spec and next gate",
        responses={200: UseCaseDetailSerializer, **READ_ERRORS},
    ),
)
@extend_schema(tags=["use-cases"])
class UseCaseViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
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

    def etag_version(self, data: Any) -> int | None:
        if self.action == "spec":  # the spec's ETag is its current version's number
            current = data.get("current") if isinstance(data, dict) else None
            return int(current["version"]) if current else 0
        return super().etag_version(data)

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
                access.membership_for(request.user, slug, perm=access.WRITE)
        serializer = UseCaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        organization = fields.pop("organization")
        use_case = services.use_case_create(
            actor=actor(request), organization=organization, **fields
        )
        location = reverse("api-use-case-detail", kwargs={"pk": use_case.pk})
        return self._detail(use_case.pk, status.HTTP_201_CREATED, headers={"Location": location})

    @versioned_write(
        summary="Change a use case",
        description=(
            "Only the fields sent change; the priority score is recomputed. Status and phase "
            "change only through `transition`. Send `If-Match` with the ETag of your GET: if "
            "the use case changed since, 412 and nothing is saved. Org admins and program "
            "managers only."
        ),
        request=UseCaseUpdateSerializer,
        responses={200: UseCaseDetailSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk, perm=access.WRITE)
        serializer = UseCaseUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        services.use_case_update(
            actor=actor(request),
            use_case=use_case,
            expected_version=self.expected_version(),
            **serializer.validated_data,
        )
        return self._detail(use_case.pk)

    @extend_schema(
        summary="Pass the next gate",
        description=(
            "Moves the use case into its next phase (or, from phase 3, into production) if "
            "every check on the gate passes; otherwise answers 409 with every blocker and "
            "changes nothing. `expected_phase` is required (400 without it): a retried or raced "
            "request moves the use case one phase at most, and the loser hears 409 saying who "
            "moved it where (not audited as a refusal)."
        ),
        request=TransitionSerializer,
        responses={200: UseCaseDetailSerializer, **WRITE_ERRORS, 409: GATE_REFUSED},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        use_case = access.access_use_case(request.user, pk, perm=access.WRITE)
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.phase_transition(
            actor=actor(request),
            use_case=use_case,
            expected_phase=serializer.validated_data["expected_phase"],
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

    @versioned_read(
        methods=["GET"],
        summary="The production behavior spec: current version and history",
        responses={200: BehaviorSpecSerializer, **READ_ERRORS},
    )
    @versioned_write(
        methods=["POST"],
        summary="Save a new version of the behavior spec",
        description=(
            "Every field is required; earlier versions are kept. Answers 400 when nothing "
            "differs from the current version. The ETag is the current version's number "
            '(`"0"` before the first): with `If-Match`, 412 if someone saved a newer version '
            "since. Org admins and program managers only."
        ),
        request=BehaviorSpecWriteSerializer,
        responses={201: BehaviorSpecSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def spec(self, request: Request, pk: str) -> Response:
        code: int = status.HTTP_200_OK
        if request.method == "POST":
            use_case = access.access_use_case(request.user, pk, perm=access.WRITE)
            serializer = BehaviorSpecWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.behavior_spec_save(
                actor=actor(request),
                use_case=use_case,
                expected_version=self.expected_version(),
                **serializer.validated_data,
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
