"""API of the webhooks app under /api/v1/."""

from rest_framework.routers import SimpleRouter

from webhooks import api

router = SimpleRouter()
router.register("webhooks/endpoints", api.EndpointViewSet, basename="api-webhook-endpoint")
router.register("webhooks/deliveries", api.DeliveryViewSet, basename="api-webhook-delivery")

urlpatterns = [*router.urls]
