"""Pages of the metrics app under /o/<org>/metrics/."""

urlpatterns: list[object] = []

# Getting data in, and what is measured (metrics.views_ingest, metrics.views_catalog).
from django.urls import path  # noqa: E402

from metrics import views_catalog, views_ingest  # noqa: E402

urlpatterns += [
    path("tokens/", views_ingest.token_list, name="api_token_list"),
    path("tokens/<int:pk>/revoke/", views_ingest.token_revoke, name="api_token_revoke"),
    path("upload/", views_ingest.upload, name="metric_upload"),
    path("upload/<int:pk>/", views_ingest.upload_detail, name="metric_upload_detail"),
    path(
        "upload/<int:pk>/rejected.csv", views_ingest.upload_rejected, name="metric_upload_rejected"
    ),
    path("definitions/", views_catalog.definition_list, name="metric_definition_list"),
    path("definitions/<int:pk>/", views_catalog.definition_edit, name="metric_definition_edit"),
    path("use-cases/<int:pk>/targets/", views_catalog.targets, name="metric_targets"),
    path("use-cases/<int:pk>/recompute/", views_catalog.recompute, name="metric_recompute"),
]

# Leadership scorecards (metrics.views_scorecards).
from metrics import views_scorecards  # noqa: E402

urlpatterns += [
    path("scorecards/", views_scorecards.portfolio, name="scorecard_portfolio"),
    path("scorecards/trend/", views_scorecards.portfolio_trend, name="scorecard_portfolio_trend"),
    path(
        "scorecards/export.<str:fmt>",
        views_scorecards.portfolio_export,
        name="scorecard_portfolio_export",
    ),
    path("use-cases/<int:pk>/scorecard/", views_scorecards.use_case, name="scorecard_use_case"),
    path(
        "use-cases/<int:pk>/scorecard/export.<str:fmt>",
        views_scorecards.use_case_export,
        name="scorecard_use_case_export",
    ),
]
