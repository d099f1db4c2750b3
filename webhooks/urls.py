"""Pages of the webhooks app, mounted at /o/<org>/webhooks/ (org admins only)."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="webhooks_endpoints"),
    path("new/", views.endpoint_create, name="webhooks_endpoint_create"),
    path("<int:pk>/", views.endpoint_detail, name="webhooks_endpoint"),
    path("<int:pk>/active/", views.endpoint_active, name="webhooks_endpoint_active"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate_secret, name="webhooks_endpoint_rotate"),
    path("<int:pk>/test/", views.endpoint_test, name="webhooks_endpoint_test"),
    path("deliveries/", views.delivery_list, name="webhooks_deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="webhooks_delivery"),
    path(
        "deliveries/<int:pk>/redeliver/",
        views.delivery_redeliver,
        name="webhooks_delivery_redeliver",
    ),
]
