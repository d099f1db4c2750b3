from allauth.account.decorators import secure_admin_login
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ops import views as ops_views
from readiness.views import accounts, orgs

# The admin signs in through allauth's form (its rate limits, verification and two-factor step):
# /admin/login/ redirects there, and back with ?next= once signed in.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", orgs.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    # Before allauth's: only a verified address may become primary (readiness.views.accounts).
    path("accounts/email/", accounts.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("readiness.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("api/v1/", include("metrics.api_urls")),
    path("api/v1/", include("adoption.api_urls")),
    path("api/v1/", include("webhooks.api_urls")),
    path("api/v1/", include("portfolio.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's script is served by the same view (the split view: no inline script); its
    # page keeps one inline <style> block, so style-src is relaxed on this view only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("orgs/new/", orgs.organization_create, name="org_create"),
    path("invitations/<int:pk>/join/", orgs.invitation_join, name="invitation_join"),
    path("invitations/<str:token>/", orgs.invitation_accept, name="invitation_accept"),
    path("o/<slug:org>/governance/", include("governance.urls")),
    path("o/<slug:org>/metrics/", include("metrics.urls")),
    path("o/<slug:org>/adoption/", include("adoption.urls")),
    path("o/<slug:org>/webhooks/", include("webhooks.urls")),
    path("o/<slug:org>/jobs/", include("ops.jobs.urls")),
    path("o/<slug:org>/", include("portfolio.urls")),
    path("o/<slug:org>/", include("readiness.urls")),
]

# The product's own error pages (JSON under /api/; 503 with Retry-After when the database is
# down). Django uses them when DEBUG is off.
handler400 = "ops.views.bad_request"
handler403 = "ops.views.permission_denied"
handler404 = "ops.views.page_not_found"
handler500 = "ops.views.server_error"
