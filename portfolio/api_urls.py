"""Routes of the executive API, included at ``/api/v1/``."""

from rest_framework.routers import SimpleRouter

from portfolio.api import PortfolioViewSet, ScaleViewSet

router = SimpleRouter()
router.register("portfolio", PortfolioViewSet, basename="api-portfolio")
router.register("scale", ScaleViewSet, basename="api-scale")

urlpatterns = [*router.urls]
