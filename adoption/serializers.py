"""Shapes of the adoption API. Serializers validate and shape; the services hold the rules."""

from __future__ import annotations

from rest_framework import serializers

from adoption.models import Cohort, Feedback, IterationEntry, TrainingRecord, UsageBoundary
from adoption.services import FEEDBACK_FIELDS, ITERATION_FIELDS


class PersonSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")


class CohortSerializer(serializers.ModelSerializer):
    use_case = serializers.IntegerField(source="use_case_id", read_only=True)
    managers = PersonSerializer(many=True, read_only=True)
    members = PersonSerializer(many=True, read_only=True)

    class Meta:
        model = Cohort
        fields = (
            "id",
            "version",
            "use_case",
            "name",
            "team",
            "size",
            "status",
            "planned_go_live",
            "actual_go_live",
            "managers",
            "members",
        )
        read_only_fields = fields


class CohortWriteSerializer(serializers.Serializer):
    """Create (``use_case`` required) or change a cohort; people are named by email and must be
    members of the use case's organization."""

    use_case = serializers.IntegerField(required=False, help_text="Required when creating.")
    name = serializers.CharField(max_length=120)
    team = serializers.CharField(max_length=120)
    size = serializers.IntegerField(min_value=1)
    planned_go_live = serializers.DateField(required=False, allow_null=True)
    managers = serializers.ListField(child=serializers.EmailField(), required=False)
    members = serializers.ListField(child=serializers.EmailField(), required=False)


class GoLiveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="Go-live date; today by default.")


class TrainingRecordSerializer(serializers.ModelSerializer):
    use_case = serializers.IntegerField(source="use_case_id", read_only=True)
    cohort = serializers.IntegerField(source="cohort_id", read_only=True, allow_null=True)
    user = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = TrainingRecord
        fields = ("id", "use_case", "cohort", "user", "topic", "completed_on")
        read_only_fields = fields


class TrainingWriteSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(help_text="The cohort the training is recorded for.")
    user = serializers.EmailField(help_text="Email of a member of the organization.")
    topic = serializers.CharField(max_length=160)
    completed_on = serializers.DateField()


class UsageBoundarySerializer(serializers.ModelSerializer):
    use_case = serializers.IntegerField(source="use_case_id", read_only=True)
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = UsageBoundary
        fields = (
            "id",
            "use_case",
            "version",
            "body",
            "change_note",
            "published_by",
            "published_at",
        )
        read_only_fields = fields

    def get_published_by(self, obj: UsageBoundary) -> str | None:
        return obj.published_by.email if obj.published_by else None


class UsageBoundaryWriteSerializer(serializers.Serializer):
    use_case = serializers.IntegerField()
    body = serializers.CharField()
    change_note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FeedbackSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)

    class Meta:
        model = Feedback
        fields = ("id", "cohort", "week", *FEEDBACK_FIELDS)
        read_only_fields = fields


class FeedbackWriteSerializer(serializers.Serializer):
    """This week's answer of the signed-in user; sending again in the same week edits it."""

    cohort = serializers.IntegerField()
    usefulness = serializers.IntegerField(min_value=1, max_value=5)
    trust = serializers.IntegerField(min_value=1, max_value=5)
    minutes_saved = serializers.IntegerField(min_value=0, max_value=3600)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class IterationEntrySerializer(serializers.ModelSerializer):
    use_case = serializers.IntegerField(source="use_case_id", read_only=True)

    class Meta:
        model = IterationEntry
        fields = ("id", "version", "use_case", *ITERATION_FIELDS)
        read_only_fields = fields


class IterationWriteSerializer(serializers.Serializer):
    use_case = serializers.IntegerField(required=False, help_text="Required when creating.")
    happened_on = serializers.DateField()
    change = serializers.CharField()
    reason = serializers.CharField()
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
