"""Shapes of the executive API: portfolio rows, the scale case and decision, integrations."""

from __future__ import annotations

from rest_framework import serializers

from readiness.models import (
    ConcernStatus,
    Integration,
    IntegrationKind,
    IntegrationStatus,
    ScaleDecision,
    ScaleOutcome,
)
from readiness.serializers import BlockerSerializer, MemberEmailField, choice_field, email_of


class ScorePartSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see BlockerSerializer.source
    points = serializers.FloatField()
    max_points = serializers.FloatField()
    detail = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["answer", "blocker"])
    text = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class LastDecisionSerializer(serializers.Serializer):
    outcome = choice_field(ScaleOutcome)
    decided_at = serializers.DateTimeField()
    revisit_on = serializers.DateField(allow_null=True)


class PortfolioRowSerializer(serializers.Serializer):
    """One use case on the executive dashboard (``readiness.portfolio.PortfolioRow.as_dict``)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField()
    status = serializers.CharField()
    risk_tier = serializers.CharField()
    owner = serializers.EmailField(allow_null=True)
    phase = serializers.IntegerField(allow_null=True, help_text="Plan phase; null once out of it.")
    stage = serializers.CharField()
    day = serializers.IntegerField(allow_null=True, help_text="Day of the 90-day plan.")
    late = serializers.BooleanField()
    late_reason = serializers.CharField(allow_blank=True)
    score = serializers.IntegerField(help_text="Readiness score, 0-100.")
    score_breakdown = ScorePartSerializer(many=True)
    verdict = serializers.ChoiceField(
        choices=["ready_to_scale", "ready_next_gate", "pilot_mode", "scaled", "retired"]
    )
    verdict_label = serializers.CharField()
    reasons = ReasonSerializer(many=True, help_text="Why it is in pilot mode.")
    gate = serializers.CharField(allow_null=True, help_text="The gate in front of it.")
    open_blockers = serializers.IntegerField()
    flagged_questions = serializers.ListField(child=serializers.CharField())
    governance = serializers.DictField(allow_null=True)
    scorecard = serializers.DictField(child=serializers.CharField(), allow_null=True)
    last_decision = LastDecisionSerializer(allow_null=True)
    url = serializers.CharField()
    scale_url = serializers.CharField()


class PortfolioPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    sort = serializers.CharField()
    results = PortfolioRowSerializer(many=True)


class AnswerEvidenceSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # see BlockerSerializer.source
    url = serializers.CharField(allow_blank=True)


class AnswerPartSerializer(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # see BlockerSerializer.source
    text = serializers.CharField()
    flagged = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    evidence = AnswerEvidenceSerializer(many=True)


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    question = serializers.CharField()
    flagged = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    parts = AnswerPartSerializer(many=True)


class ScaleDecisionSerializer(serializers.ModelSerializer):
    outcome = choice_field(ScaleOutcome, read_only=True)
    decided_by = email_of("decided_by")

    class Meta:
        model = ScaleDecision
        fields = (
            "id",
            "use_case",
            "outcome",
            "rationale",
            "revisit_on",
            "decided_by",
            "decided_at",
        )
        read_only_fields = fields


class ScaleCaseSerializer(serializers.Serializer):
    """The scale page as data: the row, the six answers, the gate's blockers and decisions."""

    row = PortfolioRowSerializer()
    questions = QuestionSerializer(many=True)
    blockers = BlockerSerializer(many=True)
    may_decide = serializers.BooleanField(help_text="You are an executive and it is ready.")
    decisions = ScaleDecisionSerializer(many=True)


class ScaleDecideSerializer(serializers.Serializer):
    outcome = choice_field(ScaleOutcome)
    rationale = serializers.CharField(help_text="Why; kept in the audit trail with the evidence.")
    revisit_on = serializers.DateField(
        required=False, allow_null=True, help_text="Required when deferring: after today."
    )


_CONCERN_HELP = "not_started, in_progress, blocked, done or not_applicable."


class IntegrationSerializer(serializers.ModelSerializer):
    kind = choice_field(IntegrationKind, read_only=True)
    status = choice_field(IntegrationStatus, read_only=True)
    owner = email_of("owner")
    identity_access = choice_field(ConcernStatus, read_only=True)
    data_mapping = choice_field(ConcernStatus, read_only=True)
    event_triggers = choice_field(ConcernStatus, read_only=True)
    api_reliability = choice_field(ConcernStatus, read_only=True)
    logging_audit = choice_field(ConcernStatus, read_only=True)

    class Meta:
        model = Integration
        fields = (
            "id",
            "use_case",
            "name",
            "kind",
            "owner",
            "status",
            *Integration.CONCERNS,
            "notes",
            "updated_at",
        )
        read_only_fields = fields


class IntegrationWriteSerializer(serializers.Serializer):
    """Create (``use_case``, ``name`` and ``kind`` required) or change (any subset)."""

    use_case = serializers.IntegerField(help_text="Id of the use case (create only).")
    name = serializers.CharField(max_length=120)
    kind = choice_field(IntegrationKind)
    owner = MemberEmailField(help_text="Email of a member of the organization, or null.")
    status = choice_field(IntegrationStatus, required=False)
    identity_access = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    data_mapping = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    event_triggers = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    api_reliability = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    logging_audit = choice_field(ConcernStatus, required=False, help_text=_CONCERN_HELP)
    notes = serializers.CharField(required=False, allow_blank=True)
