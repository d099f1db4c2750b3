"""The adoption API under ``/api/v1/adoption/``: a thin DRF layer over the access layer, the
services and the selectors (see :mod:`readiness.api` for the conventions).

Reads start from the organizations the requesting user belongs to, so another tenant's objects
answer 404 like missing ones. Writes look the parent up through the access layer with the
manage predicate (404, then 403) before validating the body; the service does the rest, and
:mod:`readiness.api_errors` turns its errors into 400, 403 and 409 answers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from adoption import services
from adoption.access import MANAGE, access_cohort, access_iteration_entry
from adoption.calc import week_start
from adoption.models import Cohort, Feedback, IterationEntry, TrainingRecord, UsageBoundary
from adoption.serializers import (
    CohortSerializer,
    CohortWriteSerializer,
    FeedbackSerializer,
    FeedbackWriteSerializer,
    GoLiveSerializer,
    IterationEntrySerializer,
    IterationWriteSerializer,
    TrainingRecordSerializer,
    TrainingWriteSerializer,
    UsageBoundarySerializer,
    UsageBoundaryWriteSerializer,
)
from readiness import access
from readiness.api import (
    FORBIDDEN,
    GATE_REFUSED,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    actor,
)
from readiness.models import Organization, User

TAG = "adoption"
OK = OpenApiResponse(description="Acknowledged.")


def _people(organization: Organization, emails: list[str] | None, field: str) -> list[User] | None:
    """Members of the organization with these emails; unknown or outside ones are a 400."""
    if emails is None:
        return None
    wanted = {e.lower() for e in emails}
    found = list(
        User.objects.filter(memberships__organization=organization, email__in=wanted).distinct()
    )
    missing = wanted - {u.email for u in found}
    if missing:
        raise ValidationError(
            {field: f"Not members of {organization.name}: {', '.join(sorted(missing))}."}
        )
    return found


def _body(request: Request) -> Any:
    """The request body, which must be one JSON object."""
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "Send one JSON object with the fields to save."})
    return request.data


def _use_case_for_write(request: Request) -> Any:
    """The use case named in the body, checked for the manage role (404, then 403)."""
    pk = _body(request).get("use_case")
    if pk in (None, ""):
        raise ValidationError({"use_case": "Name the use case (its id)."})
    return access.access_use_case(request.user, pk, predicate=MANAGE)


class UseCaseFilter(filters.FilterSet):
    use_case = filters.NumberFilter(field_name="use_case_id", help_text="Id of a use case.")


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
    retrieve=extend_schema(summary="One cohort", responses={200: CohortSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Plan a cohort",
        description="Org admins and program managers. Managers and members by email.",
        request=CohortWriteSerializer,
        responses={201: CohortSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a cohort",
        description="Managers added to a live cohort must already be trained.",
        request=CohortWriteSerializer,
        responses={200: CohortSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class CohortViewSet(
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
        use_case = _use_case_for_write(request)
        serializer = CohortWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        org = use_case.organization
        cohort = services.cohort_create(
            actor=actor(request),
            use_case=use_case,
            managers=_people(org, values.pop("managers", None), "managers") or [],
            members=_people(org, values.pop("members", None), "members") or [],
            **values,
        )
        return Response(CohortSerializer(self.fresh(cohort.pk)).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = access_cohort(request.user, kwargs["pk"], predicate=MANAGE)
        serializer = CohortWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        org = cohort.use_case.organization
        services.cohort_update(
            actor=actor(request),
            cohort=cohort,
            managers=_people(org, values.pop("managers", None), "managers"),
            members=_people(org, values.pop("members", None), "members"),
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
        cohort = access_cohort(request.user, pk, predicate=MANAGE)
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
        cohort = access_cohort(request.user, _body(request).get("cohort"), predicate=MANAGE)
        serializer = TrainingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("cohort")
        (user,) = _people(cohort.use_case.organization, [values.pop("user")], "user") or []
        record = services.training_record_add(
            actor=actor(request), use_case=cohort.use_case, cohort=cohort, user=user, **values
        )
        return Response(TrainingRecordSerializer(self.fresh(record.pk)).data, status=201)


# --- Usage boundaries ------------------------------------------------------------------------


class BoundaryFilter(UseCaseFilter):
    class Meta:
        model = UsageBoundary
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Versions of usage boundaries, newest first",
        responses={200: UsageBoundarySerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One version of usage boundaries",
        responses={200: UsageBoundarySerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Publish a new version of a use case's usage boundaries",
        description="Earlier versions are kept. 400 when the text is unchanged.",
        request=UsageBoundaryWriteSerializer,
        responses={201: UsageBoundarySerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class BoundaryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    model = UsageBoundary
    serializer_class = UsageBoundarySerializer
    filterset_class = BoundaryFilter

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[UsageBoundary]:
        return (
            UsageBoundary.objects.filter(use_case__organization__in=org_ids)
            .select_related("published_by")
            .order_by("use_case_id", "-version")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use_case = _use_case_for_write(request)
        serializer = UsageBoundaryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case")
        boundary = services.usage_boundary_publish(
            actor=actor(request), use_case=use_case, **values
        )
        return Response(UsageBoundarySerializer(self.fresh(boundary.pk)).data, status=201)

    @extend_schema(
        summary="Confirm you have read this version (the current one)",
        request=None,
        responses={204: OK, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        boundary = self.get_object()
        services.usage_boundary_acknowledge(actor=actor(request), boundary=boundary)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Feedback --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Your own weekly feedback, newest week first",
        responses={200: FeedbackSerializer(many=True), 403: FORBIDDEN},
    ),
    create=extend_schema(
        summary="Give (or edit) this week's feedback on a live cohort you belong to",
        description="One answer per person, cohort and ISO week; sending again edits it.",
        request=FeedbackWriteSerializer,
        responses={200: FeedbackSerializer, 201: FeedbackSerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class FeedbackViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    model = Feedback
    serializer_class = FeedbackSerializer

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Feedback]:
        # Answers are personal: each person reads their own; the pages show averages.
        return Feedback.objects.filter(
            cohort__use_case__organization__in=org_ids, user=actor(self.request)
        ).order_by("-week", "cohort_id", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = access_cohort(request.user, _body(request).get("cohort"))
        serializer = FeedbackWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("cohort")
        today = timezone.localdate()
        existed = Feedback.objects.filter(
            cohort=cohort, user=actor(request), week=week_start(today)
        ).exists()
        feedback = services.feedback_submit(
            actor=actor(request), cohort=cohort, today=today, **values
        )
        return Response(
            FeedbackSerializer(feedback).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


# --- Iteration log ---------------------------------------------------------------------------


class IterationFilter(UseCaseFilter):
    class Meta:
        model = IterationEntry
        fields = ("use_case",)


@extend_schema_view(
    list=extend_schema(
        summary="Iteration log entries, newest first",
        responses={200: IterationEntrySerializer(many=True), 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One iteration log entry", responses={200: IterationEntrySerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Log a change made during rollout",
        request=IterationWriteSerializer,
        responses={201: IterationEntrySerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Correct an entry or record its outcome",
        request=IterationWriteSerializer,
        responses={200: IterationEntrySerializer, **WRITE_ERRORS},
    ),
)
@extend_schema(tags=[TAG])
class IterationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    model = IterationEntry
    serializer_class = IterationEntrySerializer
    filterset_class = IterationFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[IterationEntry]:
        return IterationEntry.objects.filter(use_case__organization__in=org_ids).order_by(
            "-happened_on", "-pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        use_case = _use_case_for_write(request)
        serializer = IterationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case")
        entry = services.iteration_entry_add(actor=actor(request), use_case=use_case, **values)
        return Response(IterationEntrySerializer(self.fresh(entry.pk)).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = access_iteration_entry(request.user, kwargs["pk"], predicate=MANAGE)
        serializer = IterationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values.pop("use_case", None)
        services.iteration_entry_update(actor=actor(request), entry=entry, **values)
        return Response(IterationEntrySerializer(self.fresh(entry.pk)).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
