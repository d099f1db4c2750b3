"""API of the governance app under /api/v1/governance/."""

from rest_framework.routers import SimpleRouter

from governance import api

router = SimpleRouter()
router.register("governance/templates", api.TemplateViewSet, basename="api-gov-template")
router.register(
    "governance/template-items", api.TemplateItemViewSet, basename="api-gov-template-item"
)
router.register("governance/checklists", api.ChecklistViewSet, basename="api-gov-checklist")
router.register("governance/items", api.ItemViewSet, basename="api-gov-item")
router.register("governance/evidence", api.EvidenceViewSet, basename="api-gov-evidence")
router.register("governance/sign-offs", api.SignOffViewSet, basename="api-gov-sign-off")
router.register("governance/registry", api.RegistryViewSet, basename="api-gov-registry")
router.register("governance/policies", api.PolicyViewSet, basename="api-gov-policy")
router.register("governance/incidents", api.IncidentViewSet, basename="api-gov-incident")

urlpatterns = [*router.urls]
