"""Pages inside one organization: /o/<org>/..."""

from django.urls import path

from readiness.views import (
    integrations,
    notifications,
    orgs,
    plan,
    portfolio,
    reports,
    scale,
    use_cases,
)

urlpatterns = [
    path("", use_cases.org_home, name="org_home"),
    path("use-cases/", use_cases.usecase_list, name="usecase_list"),
    path("use-cases/new/", use_cases.usecase_create, name="usecase_create"),
    path("use-cases/<int:pk>/", use_cases.usecase_detail, name="usecase_detail"),
    path("use-cases/<int:pk>/edit/", use_cases.usecase_edit, name="usecase_edit"),
    path("use-cases/<int:pk>/spec/", use_cases.usecase_spec, name="usecase_spec"),
    path("use-cases/<int:pk>/history/", use_cases.usecase_history, name="usecase_history"),
    path("use-cases/<int:pk>/timeline/", plan.usecase_timeline, name="usecase_timeline"),
    path("use-cases/<int:pk>/transition/", plan.usecase_transition, name="usecase_transition"),
    path("portfolio/", portfolio.portfolio_dashboard, name="portfolio_dashboard"),
    path("use-cases/<int:pk>/scale/", scale.usecase_scale, name="usecase_scale"),
    path(
        "use-cases/<int:pk>/scale/decide/", scale.usecase_scale_decide, name="usecase_scale_decide"
    ),
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
    path("phases/<int:pk>/", plan.phase_edit, name="phase_edit"),
    path("members/", orgs.members, name="members"),
    path("members/<int:pk>/role/", orgs.member_role, name="member_role"),
    path("members/<int:pk>/remove/", orgs.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", orgs.invitation_revoke, name="invitation_revoke"),
    path("settings/workstreams/", orgs.template_list, name="template_list"),
    path("settings/workstreams/<int:pk>/", orgs.template_edit, name="template_edit"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/read/", notifications.notification_mark_read, name="notification_mark_read"
    ),
    # Leadership report (printable pages and exports).
    path("reports/portfolio/", reports.report_portfolio, name="report_portfolio"),
    path(
        "reports/portfolio.<str:fmt>",
        reports.report_portfolio_export,
        name="report_portfolio_export",
    ),
    path("use-cases/<int:pk>/report/", reports.report_use_case, name="report_use_case"),
]
