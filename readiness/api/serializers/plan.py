"""Workstreams, checklist items (workstream items and exit criteria) and the plan's phases."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from readiness.api.serializers.fields import MemberEmailField, choice_field, email_of
from readiness.links import org_pk_url
from readiness.models import ChecklistItem, Health, Phase, Workstream, WorkstreamStatus


class FactSourceSerializer(serializers.Serializer):
    fact = serializers.CharField(help_text="Key of the fact the item states.")
    record = serializers.CharField(help_text="The record the item follows, in words.")
    label = serializers.CharField(help_text="The page where that record is kept.")  # type: ignore[assignment]
    url = serializers.CharField(help_text="Path of that page in the web app.")
    how = serializers.CharField(help_text="What makes the item ticked.")


class ChecklistItemBriefSerializer(serializers.ModelSerializer):
    done_by = email_of("done_by")
    owner = email_of(
        "owner", help_text="Who owns it; null: the workstream's owner (or the use case's)."
    )
    owner_name = serializers.CharField(source="owner.display_name", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="Open and past its due date.")
    source = serializers.SerializerMethodField(  # type: ignore[assignment]  # see BlockerSerializer
        help_text=(
            "For an item that follows a record: which record, and where it is kept. Such an "
            "item is ticked from the record and cannot be ticked by hand (409). Null for a "
            "judgment, ticked by hand."
        )
    )

    class Meta:
        model = ChecklistItem
        fields: tuple[str, ...] = (
            "id",
            "version",
            "position",
            "text",
            "done",
            "done_by",
            "done_at",
            "owner",
            "owner_name",
            "due_date",
            "is_overdue",
            "source",
        )
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(FactSourceSerializer(allow_null=True))
    def get_source(self, item: ChecklistItem) -> dict[str, Any] | None:
        d = item.fact_source
        if d is None or item.workstream is None:
            return None
        use_case = item.workstream.use_case
        url = org_pk_url(d.url_name, use_case.organization.slug, use_case.pk)
        return {
            "fact": d.fact.value,
            "record": d.record,
            "label": d.label,
            "url": f"{url}#{d.anchor}" if d.anchor else url,
            "how": d.how,
        }


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
            *ChecklistItemBriefSerializer.Meta.fields[1:],
        )
        read_only_fields: tuple[str, ...] = fields

    def get_use_case(self, item: ChecklistItem) -> int:
        parent = item.workstream or item.phase
        assert parent is not None
        return parent.use_case_id


class ChecklistItemUpdateSerializer(serializers.Serializer):
    done = serializers.BooleanField(
        required=False,
        help_text="Tick (true) or untick (false) a judgment. An item that follows a record "
        "answers 409.",
    )
    owner = MemberEmailField(
        help_text="Email address of a member of the organization, or null for the workstream's "
        "owner (the use case's, for an exit criterion)."
    )
    due_date = serializers.DateField(required=False, allow_null=True)


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
            "version",
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


class PhaseSerializer(serializers.ModelSerializer):
    is_complete = serializers.BooleanField(read_only=True)
    is_late = serializers.BooleanField(read_only=True)
    exit_criteria = ChecklistItemBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields: tuple[str, ...] = (
            "id",
            "version",
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
