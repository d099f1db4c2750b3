"""Shapes of the REST API (``/api/v1/``): what comes in is validated here, what goes out is shaped here.

Serializers hold no business rules: the services in :mod:`readiness.services` decide (who may
act, whether an owner is a member, whether a name is taken, whether the gate opens) and the
API's exception handler (:mod:`readiness.api_errors`) turns their errors into answers.

People are named by **email address**, both ways: ``owner`` is read and written as the
owner's email (``null`` for nobody), ``done_by`` and ``created_by`` are emails.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import build_array_type, build_object_type
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from readiness import gate
from readiness.models import (
    BehaviorSpecVersion,
    ChecklistItem,
    Health,
    Membership,
    Organization,
    Phase,
    RiskTier,
    Role,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
    WorkstreamStatus,
)
from readiness.scoring import priority_band
from readiness.services.use_cases import USE_CASE_FIELDS

OWNER_NOT_MEMBER = "Choose a member of this organization."


# --- Fields ----------------------------------------------------------------------------------


@functools.cache
def _choice_field_class(choices: type[models.TextChoices]) -> type[serializers.ChoiceField]:
    """A ChoiceField whose schema is one named enum component per Choices class.

    drf-spectacular names enums after the *field* ("status"); use cases and workstreams both
    have a ``status`` with different values, which it can only name with a hash and a warning.
    Naming the component after the Choices class keeps one stable name per choice set.
    """
    name = choices.__name__
    field_class = type(f"{name}Field", (serializers.ChoiceField,), {})
    return extend_schema_field(
        serializers.ChoiceField(choices=choices.choices), component_name=f"{name}Enum"
    )(field_class)


def choice_field(choices: type[models.TextChoices], **kwargs: Any) -> serializers.ChoiceField:
    return _choice_field_class(choices)(choices=choices.choices, **kwargs)


def email_of(source: str, **kwargs: Any) -> serializers.EmailField:
    """A person's email address read through ``source`` (``null`` when nobody is set)."""
    return serializers.EmailField(
        source=f"{source}.email", read_only=True, allow_null=True, **kwargs
    )


class MemberEmailField(serializers.EmailField):
    """A person given by email address, resolved to the user (``null`` clears it).

    An address nobody signed up with gets the same answer as one of a non-member, so the API
    does not tell which addresses exist elsewhere; the service checks membership itself.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> User | None:
        email = super().run_validation(data)  # the address, validated; None for null
        if email is None:
            return None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise serializers.ValidationError(OWNER_NOT_MEMBER)
        return user


# --- Errors ----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of a 403, 404 or 405 answer."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """The body of a 400 answer; its schema comes from the extension below."""


class _ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = build_object_type(
            additionalProperties=build_array_type({"type": "string"}),
            description=(
                "Field name -> list of messages. Errors that belong to no single field "
                "are under `non_field_errors`."
            ),
        )
        schema["example"] = {"repetition": ["Ensure this value is less than or equal to 5."]}
        return schema


class BlockerSerializer(serializers.Serializer):
    """One reason the gate is shut, worded so that the reader knows what to do."""

    code = serializers.CharField(help_text="Stable machine code, e.g. `exit_criterion_open`.")
    message = serializers.CharField(help_text="What is missing, in words a person can act on.")
    # DRF's metaclass pops declared fields off the class, so these names do not shadow
    # Field.source / Field.label at runtime; mypy only sees the class body.
    source = serializers.CharField(help_text="The app whose check raised it.")  # type: ignore[assignment]
    url = serializers.CharField(allow_blank=True, help_text="The page where it can be fixed.")
    detail = serializers.DictField(help_text="Check-specific data, e.g. `item_id` and `phase`.")


class GateRefusedSerializer(serializers.Serializer):
    """The body of a 409: the gate refused (``blockers`` says why) or the state moved on."""

    detail = serializers.CharField()
    target = serializers.CharField(
        required=False, help_text="The gate that refused: `phase:2`, `phase:3` or `production`."
    )
    blockers = BlockerSerializer(many=True, help_text="Empty when the use case changed meanwhile.")


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
        required=False,
        min_value=1,
        max_value=3,
        help_text=(
            "The phase you believe the use case is in. If it has moved on meanwhile, the answer "
            "is 409 instead of a second step."
        ),
    )


# --- Organizations ---------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization as one of its members sees it, with that member's role."""

    slug = serializers.SlugField(source="organization.slug", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    role = choice_field(Role, read_only=True)
    can_edit_use_cases = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields: tuple[str, ...] = ("slug", "name", "role", "can_edit_use_cases")


# --- Checklist items -------------------------------------------------------------------------


class ChecklistItemBriefSerializer(serializers.ModelSerializer):
    done_by = email_of("done_by")

    class Meta:
        model = ChecklistItem
        fields: tuple[str, ...] = ("id", "position", "text", "done", "done_by", "done_at")
        read_only_fields: tuple[str, ...] = fields


class ChecklistItemSerializer(ChecklistItemBriefSerializer):
    kind = serializers.ChoiceField(
        choices=[("workstream_item", "Workstream item"), ("exit_criterion", "Exit criterion")],
        read_only=True,
    )
    use_case = serializers.SerializerMethodField()

    class Meta(ChecklistItemBriefSerializer.Meta):
        fields: tuple[str, ...] = (
            "id",
            "kind",
            "use_case",
            "workstream",
            "phase",
            "position",
            "text",
            "done",
            "done_by",
            "done_at",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_use_case(self, item: ChecklistItem) -> int:
        parent = item.workstream or item.phase
        assert parent is not None
        return parent.use_case_id


class ChecklistItemUpdateSerializer(serializers.Serializer):
    done = serializers.BooleanField(required=False, help_text="Tick (true) or untick (false).")


# --- Workstreams -----------------------------------------------------------------------------


class WorkstreamSummarySerializer(serializers.ModelSerializer):
    owner = email_of("owner")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True)
    status = choice_field(WorkstreamStatus, read_only=True)
    health = choice_field(Health, read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    items_total = serializers.IntegerField(read_only=True)
    items_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = Workstream
        fields: tuple[str, ...] = (
            "id",
            "number",
            "name",
            "owner",
            "owner_name",
            "status",
            "health",
            "due_date",
            "is_late",
            "items_total",
            "items_done",
        )
        read_only_fields: tuple[str, ...] = fields


class WorkstreamSerializer(WorkstreamSummarySerializer):
    items = ChecklistItemBriefSerializer(many=True, read_only=True)

    class Meta(WorkstreamSummarySerializer.Meta):
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            *WorkstreamSummarySerializer.Meta.fields[1:],
            "purpose",
            "notes",
            "updated_at",
            "items",
        )
        read_only_fields: tuple[str, ...] = fields


class WorkstreamUpdateSerializer(serializers.ModelSerializer):
    owner = MemberEmailField(help_text="Email address of a member of the organization, or null.")
    status = choice_field(WorkstreamStatus, required=False)
    health = choice_field(Health, required=False)

    class Meta:
        model = Workstream
        fields: tuple[str, ...] = ("owner", "status", "health", "due_date", "notes")


# --- Phases ----------------------------------------------------------------------------------


class PhaseSerializer(serializers.ModelSerializer):
    is_complete = serializers.BooleanField(read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    exit_criteria = ChecklistItemBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields: tuple[str, ...] = (
            "id",
            "use_case",
            "number",
            "name",
            "first_day",
            "last_day",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "is_complete",
            "is_late",
            "exit_criteria",
        )
        read_only_fields: tuple[str, ...] = fields


class PhaseUpdateSerializer(serializers.Serializer):
    planned_start = serializers.DateField(required=False)
    planned_end = serializers.DateField(required=False)


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
        return priority_band(use_case.priority_score)

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
