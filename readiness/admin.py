"""Read-only admin for support staff: every change goes through the services and their audit,
so the admin shows data but never edits it."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from readiness.models import (
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    UseCase,
    User,
    Workstream,
    WorkstreamTemplate,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("email", "first_name", "last_name", "is_staff", "date_joined")
    search_fields = ("email", "first_name", "last_name")


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("user", "organization")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organization", "role", "created_at", "accepted_at", "revoked_at")
    list_select_related = ("organization",)


@admin.register(UseCase)
class UseCaseAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "organization",
        "status",
        "current_phase",
        "priority_score",
        "start_date",
    )
    list_filter = ("status", "risk_tier")
    search_fields = ("name", "team")
    list_select_related = ("organization",)


@admin.register(Workstream)
class WorkstreamAdmin(ReadOnlyAdmin):
    list_display = ("name", "use_case", "status", "health", "due_date")
    list_select_related = ("use_case",)


@admin.register(WorkstreamTemplate)
class WorkstreamTemplateAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "organization")
    list_select_related = ("organization",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "organization",
        "actor_label",
        "action",
        "target_type",
        "target_label",
    )
    list_filter = ("action",)
    search_fields = ("actor_label", "target_label")
    list_select_related = ("organization",)
