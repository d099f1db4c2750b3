"""Pages inside one organization: /o/<org>/..."""

from django.urls import path

from readiness.views import (
    audit,
    comments,
    integrations,
    items,
    notifications,
    orgs,
    plan,
    use_cases,
)

urlpatterns = [
    path("use-cases/", use_cases.usecase_list, name="usecase_list"),
    path("use-cases/new/", use_cases.usecase_create, name="usecase_create"),
    path("use-cases/<int:pk>/", use_cases.usecase_detail, name="usecase_detail"),
    path("use-cases/<int:pk>/edit/", use_cases.usecase_edit, name="usecase_edit"),
    path("use-cases/<int:pk>/spec/", use_cases.usecase_spec, name="usecase_spec"),
    path("use-cases/<int:pk>/history/", use_cases.usecase_history, name="usecase_history"),
    path("use-cases/<int:pk>/timeline/", plan.usecase_timeline, name="usecase_timeline"),
    path("use-cases/<int:pk>/transition/", plan.usecase_transition, name="usecase_transition"),
    path(
        "use-cases/<int:pk>/integrations/",
        integrations.integration_list,
        name="usecase_integrations",
    ),
    path(
        "use-cases/<int:pk>/integrations/new/",
        integrations.integration_create,
        name="integration_create",
    ),
    path("integrations/<int:pk>/", integrations.integration_edit, name="integration_edit"),
    path(
        "integrations/<int:pk>/delete/",
        integrations.integration_delete,
        name="integration_delete",
    ),
    path("workstreams/<int:pk>/", use_cases.workstream_edit, name="workstream_edit"),
    path("items/<int:pk>/toggle/", use_cases.item_toggle, name="item_toggle"),
    path("items/<int:pk>/edit/", items.item_edit, name="item_edit"),
    path("items/<int:pk>/", comments.item_detail, name="item_detail"),
    path("phases/<int:pk>/", plan.phase_edit, name="phase_edit"),
    path("comments/<slug:target>/<int:target_id>/", comments.comment_post, name="comment_post"),
    path("comments/<int:pk>/", comments.comment_show, name="comment_show"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", comments.comment_delete, name="comment_delete"),
    path("members/", orgs.members, name="members"),
    path("members/security/", orgs.organization_security, name="org_security"),
    path("members/<int:pk>/role/", orgs.member_role, name="member_role"),
    path("members/<int:pk>/remove/", orgs.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", orgs.invitation_revoke, name="invitation_revoke"),
    path("settings/workstreams/", orgs.template_list, name="template_list"),
    path("settings/workstreams/<int:pk>/", orgs.template_edit, name="template_edit"),
    path("audit/", audit.audit_trail, name="audit_trail"),
    path("audit/export.csv", audit.audit_export, {"fmt": "csv"}, name="audit_export_csv"),
    path("audit/export.json", audit.audit_export, {"fmt": "json"}, name="audit_export_json"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
    path(
        "notifications/read/", notifications.notification_mark_read, name="notification_mark_read"
    ),
]
