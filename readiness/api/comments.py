"""Discussion threads: the comments on a use case or one of its records, and one's own edits."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from readiness import access, discussion, services
from readiness.api.common import (
    BAD_FILTER,
    FORBIDDEN,
    MAX_ID,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    ScopedViewSet,
    actor,
    query_id,
)
from readiness.api.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    ErrorSerializer,
)
from readiness.api.versioning import VersionedMixin, versioned_read, versioned_write
from readiness.models import Comment

DELETED = OpenApiResponse(
    ErrorSerializer, description="The comment was deleted; it can no longer be edited."
)
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@extend_schema_view(
    list=extend_schema(
        summary="Comments of your organizations' threads",
        description=(
            "Oldest first. Narrow to one use case (its own thread and its records'), or to one "
            "record's thread with `target_type` and `target_id` together."
        ),
        parameters=[
            OpenApiParameter("use_case", _ID, description="Only this use case's comments."),
            OpenApiParameter(
                "target_type",
                {
                    "type": "string",
                    "enum": ["governance_item", "checklist_item", "incident", "use_case"],
                },
                description="With target_id: only this record's thread.",
            ),
            OpenApiParameter("target_id", _ID, description="With target_type."),
        ],
        responses={200: CommentSerializer(many=True), 400: BAD_FILTER, **READ_ERRORS},
    ),
    retrieve=versioned_read(
        summary="One comment", responses={200: CommentSerializer, **READ_ERRORS}
    ),
)
@extend_schema(tags=["comments"])
class CommentViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    model = Comment
    serializer_class = CommentSerializer

    def scoped_queryset(self, org_ids: QuerySet[Any, Any]) -> QuerySet[Comment]:
        qs = (
            Comment.objects.filter(organization__in=org_ids)
            .select_related("author", "organization")
            .prefetch_related("mentions")
        )
        request = self.request
        if request is not None and self.action == "list":
            use_case = query_id(request, "use_case")
            if use_case is not None:
                qs = qs.filter(use_case_id=use_case)
            qs = self._narrow_to_target(request, qs)
        return qs.order_by("created_at", "pk")

    def _narrow_to_target(self, request: Request, qs: QuerySet[Comment]) -> QuerySet[Comment]:
        key = request.query_params.get("target_type")
        target_id = query_id(request, "target_id")
        if key is None and target_id is None:
            return qs
        target = discussion.target_for(key or "")
        if target is None:
            raise ValidationError(
                {"target_type": [f"Give one of: {', '.join(sorted(discussion.targets()))}."]}
            )
        if target_id is None:
            raise ValidationError({"target_id": ["Give the id of the record with target_type."]})
        return qs.filter(target_type=discussion.content_type(target), target_id=target_id)

    @extend_schema(
        summary="Comment on a record",
        description=(
            "Every role but viewer. The record must belong to one of your organizations "
            "(404 otherwise). " + discussion.MENTION_HELP
        ),
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **WRITE_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = discussion.target_for(data["target_type"])
        if target is None:  # the serializer's choices are the registered keys
            raise Http404("Nothing to discuss here")
        obj = target.access(request.user, data["target_id"])
        comment = services.comment_add(actor=actor(request), target=obj, body=data["body"])
        return Response(
            CommentSerializer(self.fresh(comment.pk)).data, status=status.HTTP_201_CREATED
        )

    @versioned_write(
        summary="Edit your comment",
        description="Its author only. Members newly mentioned are notified.",
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer, 409: DELETED, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        comment = access.access_comment(request.user, pk)
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.comment_edit(
            actor=actor(request),
            comment=comment,
            body=serializer.validated_data["body"],
            expected_version=self.expected_version(),
        )
        return Response(CommentSerializer(self.fresh(comment.pk)).data)

    @versioned_write(
        summary="Delete a comment",
        description=(
            "Its author, or an org admin. The comment stays in its thread as deleted, without "
            "its text; the audit trail keeps what it said."
        ),
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        comment = access.access_comment(request.user, pk)
        services.comment_delete(
            actor=actor(request), comment=comment, expected_version=self.expected_version()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
