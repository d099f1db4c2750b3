"""Shapes of the executive API: portfolio rows, the scale case and decision."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from portfolio.models import ScaleDecision, ScaleOutcome
from readiness.api.serializers import BlockerSerializer, choice_field, email_of


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
    """One use case on the executive dashboard: its stage, score, verdict and blockers."""

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
    overdue = serializers.IntegerField(
        help_text="Open workstreams, workstream items and exit criteria past their due date."
    )
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


# One page object, not a list of them (drf-spectacular reads a ``list`` action as a list).
@extend_schema_serializer(many=False)
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
