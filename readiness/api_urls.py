"""Routes of the REST API, included at ``/api/v1/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from readiness import api
from readiness.api.audit import AuditExportView

router = SimpleRouter()
router.register("organizations", api.OrganizationViewSet, basename="api-organization")
router.register("use-cases", api.UseCaseViewSet, basename="api-use-case")
router.register("workstreams", api.WorkstreamViewSet, basename="api-workstream")
router.register("checklist-items", api.ChecklistItemViewSet, basename="api-checklist-item")
router.register("phases", api.PhaseViewSet, basename="api-phase")
router.register("integrations", api.IntegrationViewSet, basename="api-integration")
router.register("comments", api.CommentViewSet, basename="api-comment")

urlpatterns = [
    *router.urls,
    path("audit/export/", AuditExportView.as_view(), name="api-audit-export"),
]
