"""API of the metrics app under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics import api

router = SimpleRouter()
router.register(
    "metrics/definitions", api.MetricDefinitionViewSet, basename="api-metric-definition"
)
router.register("metrics/targets", api.MetricTargetViewSet, basename="api-metric-target")

urlpatterns: list[object] = [
    path("metrics/samples/", api.SampleIngestView.as_view(), name="api-metric-samples"),
    path(
        "metrics/rollups/recompute/",
        api.RollupRecomputeView.as_view(),
        name="api-metric-rollup-recompute",
    ),
    path("metrics/rollups/", api.RollupListView.as_view(), name="api-metric-rollups"),
    path(
        "metrics/scorecards/<str:use_case>/",
        api.ScorecardView.as_view(),
        name="api-metric-scorecard",
    ),
    *router.urls,
]
