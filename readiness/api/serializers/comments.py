"""Comments of a discussion thread (:mod:`readiness.discussion`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from readiness import discussion
from readiness.api.serializers.fields import email_of
from readiness.models import MAX_COMMENT, Comment, User

_TARGET_HELP = (
    "What the thread is about: use_case, checklist_item (a workstream item or an exit "
    "criterion), governance_item (a governance checklist item) or incident."
)


def _target_type_field(**kwargs: Any) -> serializers.ChoiceField:
    # The keys are registered by each app when Django starts (after this module is imported),
    # so the field is made per serializer instance, not at class definition.
    return serializers.ChoiceField(
        choices=sorted(discussion.targets()), help_text=_TARGET_HELP, **kwargs
    )


class CommentSerializer(serializers.ModelSerializer):
    author = email_of("author", help_text="Email of its author; null for a former member.")
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="email",
        help_text="Emails of the members it mentions (notified when first mentioned).",
    )
    deleted = serializers.BooleanField(
        source="is_deleted", read_only=True, help_text="Deleted: the body is empty."
    )
    url = serializers.CharField(
        source="get_absolute_url", read_only=True, help_text="Its page in the browser."
    )

    class Meta:
        model = Comment
        fields = (
            "id",
            "version",
            "use_case",
            "target_type",
            "target_id",
            "target_label",
            "author",
            "body",
            "mentions",
            "created_at",
            "edited_at",
            "deleted",
            "deleted_at",
            "url",
        )
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["target_type"] = _TargetTypeRead(read_only=True)
        return fields


class _TargetTypeRead(serializers.ChoiceField):
    """The target's key, read from the comment's content type (cached: no query)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=sorted(discussion.targets()), help_text=_TARGET_HELP, **kwargs)

    def get_attribute(self, instance: Comment) -> str:
        return discussion.key_of_content_type(instance.target_type_id)

    def to_representation(self, value: Any) -> str:
        return str(value)


class CommentCreateSerializer(serializers.Serializer):
    """A new comment on one record's thread."""

    target_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Id of the record discussed."
    )
    body = serializers.CharField(
        max_length=MAX_COMMENT,
        trim_whitespace=False,
        help_text=f"Plain text, at most {MAX_COMMENT} characters. {discussion.MENTION_HELP}",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["target_type"] = _target_type_field()
        return fields


class CommentUpdateSerializer(serializers.Serializer):
    """New text for one's own comment; members newly mentioned are notified."""

    body = serializers.CharField(
        max_length=MAX_COMMENT,
        trim_whitespace=False,
        help_text=f"Plain text, at most {MAX_COMMENT} characters. {discussion.MENTION_HELP}",
    )
