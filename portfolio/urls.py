"""Executive pages inside one organization: /o/<org>/..."""

from django.urls import path

from portfolio.views import dashboard, explore, home, reports, scale, timeline

urlpatterns = [
    path("", home.home_page, name="org_home"),
    path("portfolio/", dashboard.portfolio_dashboard, name="portfolio_dashboard"),
    path("portfolio/timeline/", timeline.portfolio_timeline_page, name="portfolio_timeline"),
    path("use-cases/<int:pk>/scale/", scale.usecase_scale, name="usecase_scale"),
    path(
        "use-cases/<int:pk>/scale/decide/", scale.usecase_scale_decide, name="usecase_scale_decide"
    ),
    # Leadership report (printable pages and exports).
    path("reports/portfolio/", reports.report_portfolio, name="report_portfolio"),
    path(
        "reports/portfolio.<str:fmt>",
        reports.report_portfolio_export,
        name="report_portfolio_export",
    ),
    path("use-cases/<int:pk>/report/", reports.report_use_case, name="report_use_case"),
    # Across the organization: search and the activity feed.
    path("search/", explore.search, name="org_search"),
    path("activity/", explore.activity_feed, name="org_activity"),
]
