"""Read-only admin for support staff: governance changes go through the services and their audit."""

from django.contrib import admin

from governance.models import (
    ApprovedModel,
    ChecklistTemplate,
    Evidence,
    GovernanceItem,
    Incident,
    SignOff,
)
from readiness.admin import ReadOnlyAdmin


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "organization", "is_default", "updated_at")


@admin.register(GovernanceItem)
class GovernanceItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "checklist", "gate_phase", "status", "assigned_reviewer", "due_date")
    list_filter = ("status", "area", "gate_phase")
    list_select_related = ("checklist__use_case", "assigned_reviewer")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "item",
        "kind",
        "sha256",
        "submitted_at",
        "expires_on",
        "withdrawn_at",
    )
    list_select_related = ("item",)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("item", "decision", "reviewer", "created_at")
    list_select_related = ("item", "reviewer")


@admin.register(ApprovedModel)
class ApprovedModelAdmin(ReadOnlyAdmin):
    list_display = (
        "provider",
        "model_name",
        "version",
        "organization",
        "approved_on",
        "expires_on",
    )


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "use_case", "severity", "status", "opened_at")
    list_filter = ("severity", "status")
    list_select_related = ("use_case",)
