"""Pages of the metrics app under /o/<org>/metrics/."""

from django.urls import path

from metrics.views import catalog, ingestion, scorecards

urlpatterns = [
    # Getting data in.
    path("tokens/", ingestion.token_list, name="api_token_list"),
    path("tokens/<int:pk>/revoke/", ingestion.token_revoke, name="api_token_revoke"),
    path("upload/", ingestion.upload, name="metric_upload"),
    path("upload/<int:pk>/", ingestion.upload_detail, name="metric_upload_detail"),
    path("upload/<int:pk>/rejected.csv", ingestion.upload_rejected, name="metric_upload_rejected"),
    # What is measured, and what good looks like.
    path("definitions/", catalog.definition_list, name="metric_definition_list"),
    path("definitions/<int:pk>/", catalog.definition_edit, name="metric_definition_edit"),
    path("settings/", catalog.metrics_settings, name="metric_settings"),
    path("use-cases/<int:pk>/targets/", catalog.targets, name="metric_targets"),
    path("use-cases/<int:pk>/recompute/", catalog.recompute, name="metric_recompute"),
    # Leadership scorecards.
    path("scorecards/", scorecards.portfolio, name="scorecard_portfolio"),
    path("scorecards/trend/", scorecards.portfolio_trend, name="scorecard_portfolio_trend"),
    path(
        "scorecards/export.<str:fmt>",
        scorecards.portfolio_export,
        name="scorecard_portfolio_export",
    ),
    path("use-cases/<int:pk>/scorecard/", scorecards.use_case, name="scorecard_use_case"),
    path(
        "use-cases/<int:pk>/scorecard/export.<str:fmt>",
        scorecards.use_case_export,
        name="scorecard_use_case_export",
    ),
]
