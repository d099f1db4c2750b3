"""Routes of the REST API, included at ``/api/v1/``."""

from rest_framework.routers import SimpleRouter

from readiness import api

router = SimpleRouter()
router.register("organizations", api.OrganizationViewSet, basename="api-organization")
router.register("use-cases", api.UseCaseViewSet, basename="api-use-case")
router.register("workstreams", api.WorkstreamViewSet, basename="api-workstream")
router.register("checklist-items", api.ChecklistItemViewSet, basename="api-checklist-item")
router.register("phases", api.PhaseViewSet, basename="api-phase")
router.register("portfolio", api.PortfolioViewSet, basename="api-portfolio")
router.register("scale", api.ScaleViewSet, basename="api-scale")
router.register("integrations", api.IntegrationViewSet, basename="api-integration")

urlpatterns = [*router.urls]
