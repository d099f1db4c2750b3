"""Weekly feedback under /api/v1/adoption/feedback/: each person reads and gives their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from adoption import services
from adoption.access import access_cohort
from adoption.api.common import TAG, body_of
from adoption.calc import week_start
from adoption.models import Feedback
from adoption.serializers import FeedbackSerializer, FeedbackWriteSerializer
from readiness.api import FORBIDDEN, WRITE_ERRORS, ScopedViewSet, actor


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
        cohort = access_cohort(request.user, body_of(request).get("cohort"))
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
