"""Use cases, the gate in front of them and their transitions, and the behavior spec."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from readiness import gate
from readiness.api.serializers.errors import BlockerSerializer
from readiness.api.serializers.fields import MemberEmailField, choice_field, email_of
from readiness.api.serializers.plan import PhaseSerializer, WorkstreamSummarySerializer
from readiness.models import BehaviorSpecVersion, Organization, RiskTier, UseCase, UseCaseStatus
from readiness.scoring import priority_band
from readiness.services.use_cases import USE_CASE_FIELDS

# --- The gate ----------------------------------------------------------------------------------


class GateTargetSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="`phase:2`, `phase:3` or `production`.")
    label = serializers.CharField()  # type: ignore[assignment]  # see BlockerSerializer.source
    from_phase = serializers.IntegerField(allow_null=True)


class GateSerializer(serializers.Serializer):
    target = GateTargetSerializer(
        allow_null=True, help_text="The next gate; null once the use case has left the plan."
    )
    can_transition = serializers.BooleanField(
        help_text="True when a transition requested now would pass."
    )
    blockers = BlockerSerializer(many=True)


class TransitionSerializer(serializers.Serializer):
    expected_phase = serializers.IntegerField(
        min_value=1,
        max_value=3,
        help_text=(
            "Required: the phase you believe the use case is in (its `current_phase`). If it "
            "has moved on meanwhile (a retried request, or another client won the race), the "
            "answer is 409 saying who moved it where, instead of a second step."
        ),
    )


# --- Behavior spec ---------------------------------------------------------------------------


class BehaviorSpecVersionSummarySerializer(serializers.ModelSerializer):
    created_by = email_of("created_by")

    class Meta:
        model = BehaviorSpecVersion
        fields: tuple[str, ...] = ("version", "change_note", "created_by", "created_at")
        read_only_fields: tuple[str, ...] = fields


class BehaviorSpecVersionSerializer(BehaviorSpecVersionSummarySerializer):
    class Meta(BehaviorSpecVersionSummarySerializer.Meta):
        fields: tuple[str, ...] = (
            "version",
            *BehaviorSpecVersion.FIELDS,
            "change_note",
            "created_by",
            "created_at",
        )
        read_only_fields: tuple[str, ...] = fields


class BehaviorSpecSerializer(serializers.Serializer):
    current = BehaviorSpecVersionSerializer(
        allow_null=True, help_text="The latest version; null until the first is saved."
    )
    versions = BehaviorSpecVersionSummarySerializer(many=True, help_text="Newest first.")


class BehaviorSpecWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = BehaviorSpecVersion
        fields: tuple[str, ...] = (*BehaviorSpecVersion.FIELDS, "change_note")


# --- Use cases -------------------------------------------------------------------------------


class UseCaseSerializer(serializers.ModelSerializer):
    """A use case as the list shows it."""

    organization: serializers.SlugRelatedField[Organization] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    owner = email_of("owner", help_text="Who owns the product after implementation.")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True)
    risk_tier = choice_field(RiskTier, read_only=True)
    status = choice_field(UseCaseStatus, read_only=True)
    plan_day = serializers.IntegerField(
        read_only=True, help_text="Day of the 90-day plan today (1 on the start date)."
    )
    priority_band = serializers.SerializerMethodField()
    next_gate = serializers.SerializerMethodField()
    web_url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = UseCase
        fields: tuple[str, ...] = (
            "id",
            "version",
            "organization",
            "name",
            "workflow",
            "team",
            "owner",
            "owner_name",
            "target_outcome",
            "risk_tier",
            "status",
            "start_date",
            "current_phase",
            "plan_day",
            "repetition",
            "clear_handoffs",
            "cost_of_delay",
            "knowledge_lookup",
            "reviewability",
            "politically_sensitive",
            "priority_score",
            "priority_band",
            "next_gate",
            "web_url",
            "created_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_priority_band(self, use_case: UseCase) -> str:
        return priority_band(use_case.priority_score, scored=use_case.is_scored)

    @extend_schema_field(GateTargetSerializer(allow_null=True))
    def get_next_gate(self, use_case: UseCase) -> dict[str, Any] | None:
        target = gate.next_target(use_case)
        return GateTargetSerializer(target).data if target else None


class UseCaseDetailSerializer(UseCaseSerializer):
    """A use case with its workstreams, its plan and its current behavior spec."""

    workstreams = WorkstreamSummarySerializer(many=True, read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    current_spec = serializers.SerializerMethodField()

    class Meta(UseCaseSerializer.Meta):
        fields: tuple[str, ...] = (
            *UseCaseSerializer.Meta.fields,
            "workstreams",
            "phases",
            "current_spec",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(BehaviorSpecVersionSerializer(allow_null=True))
    def get_current_spec(self, use_case: UseCase) -> dict[str, Any] | None:
        latest = getattr(use_case, "latest_spec", None)
        if latest is None:  # not prefetched
            latest = use_case.spec_versions.select_related("created_by").order_by("-version")[:1]
        latest = list(latest)
        return BehaviorSpecVersionSerializer(latest[0]).data if latest else None


class UseCaseUpdateSerializer(serializers.ModelSerializer):
    """The editable fields of a use case; on PATCH, only those sent change."""

    owner = MemberEmailField(help_text="Email address of a member of the organization, or null.")
    risk_tier = choice_field(RiskTier, required=False)

    class Meta:
        model = UseCase
        fields: tuple[str, ...] = USE_CASE_FIELDS
        # Name uniqueness (case-insensitive) is the service's rule, with its own message.
        validators: list[Any] = []


class OrganizationSlugField(serializers.SlugRelatedField):
    """One of the requesting user's organizations, by slug; any other slug is unknown."""

    def get_queryset(self) -> models.QuerySet[Organization]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return Organization.objects.none()
        return Organization.objects.filter(memberships__user=user)


class UseCaseCreateSerializer(UseCaseUpdateSerializer):
    """A new use case: the organization it belongs to and its editable fields."""

    organization: serializers.SlugRelatedField[Organization] = OrganizationSlugField(
        slug_field="slug",
        help_text="Slug of one of your organizations.",
        error_messages={"does_not_exist": "You have no organization with the slug “{value}”."},
    )

    class Meta(UseCaseUpdateSerializer.Meta):
        fields: tuple[str, ...] = ("organization", *USE_CASE_FIELDS)
