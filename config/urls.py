from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from readiness.views import health, orgs

urlpatterns = [
    path("", orgs.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("readiness.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("api/v1/", include("metrics.api_urls")),
    path("api/v1/", include("adoption.api_urls")),
    path("api/v1/", include("webhooks.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("orgs/new/", orgs.organization_create, name="org_create"),
    path("invitations/<str:token>/", orgs.invitation_accept, name="invitation_accept"),
    path("o/<slug:org>/governance/", include("governance.urls")),
    path("o/<slug:org>/metrics/", include("metrics.urls")),
    path("o/<slug:org>/adoption/", include("adoption.urls")),
    path("o/<slug:org>/webhooks/", include("webhooks.urls")),
    path("o/<slug:org>/", include("readiness.urls")),
]
