"""Pages of the webhooks app, mounted at /o/<org>/webhooks/ (org admins only)."""

from django.urls import path

from webhooks.views import deliveries, endpoints

urlpatterns = [
    path("", endpoints.endpoint_list, name="webhooks_endpoints"),
    path("new/", endpoints.endpoint_create, name="webhooks_endpoint_create"),
    path("<int:pk>/", endpoints.endpoint_detail, name="webhooks_endpoint"),
    path("<int:pk>/active/", endpoints.endpoint_active, name="webhooks_endpoint_active"),
    path(
        "<int:pk>/rotate-secret/",
        endpoints.endpoint_rotate_secret,
        name="webhooks_endpoint_rotate",
    ),
    path("<int:pk>/test/", endpoints.endpoint_test, name="webhooks_endpoint_test"),
    path("deliveries/", deliveries.delivery_list, name="webhooks_deliveries"),
    path("deliveries/<int:pk>/", deliveries.delivery_detail, name="webhooks_delivery"),
    path(
        "deliveries/<int:pk>/redeliver/",
        deliveries.delivery_redeliver,
        name="webhooks_delivery_redeliver",
    ),
]
