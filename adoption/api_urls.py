"""API of the adoption app under /api/v1/adoption/."""

from rest_framework.routers import SimpleRouter

from adoption import api

router = SimpleRouter()
router.register("adoption/cohorts", api.CohortViewSet, basename="api-adoption-cohort")
router.register("adoption/training", api.TrainingViewSet, basename="api-adoption-training")
router.register("adoption/boundaries", api.BoundaryViewSet, basename="api-adoption-boundary")
router.register("adoption/feedback", api.FeedbackViewSet, basename="api-adoption-feedback")
router.register("adoption/iterations", api.IterationViewSet, basename="api-adoption-iteration")

urlpatterns = [*router.urls]
