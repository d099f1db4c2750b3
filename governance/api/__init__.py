"""The governance REST API under ``/api/v1/governance/``: a thin layer over governance's access
functions, services and selectors, in the same shape as :mod:`readiness.api`.

Reads are scoped to the caller's organizations (another tenant's objects answer 404); writes
look the object up through :mod:`governance.access` with the action's rule (404, then 403) and
call one service, whose errors :mod:`readiness.api_errors` turns into 400, 403 and 409.

One module per subdomain: :mod:`.templates` (templates and their items), :mod:`.checklists`
(checklists, items, evidence, sign-offs), :mod:`.records` (registry, policies, incidents);
what they share is in :mod:`.common`.
"""

from governance.api.checklists import (
    CONFLICT,
    ChecklistFilter,
    ChecklistViewSet,
    EvidenceFilter,
    EvidenceViewSet,
    ItemFilter,
    ItemViewSet,
    SignOffFilter,
    SignOffViewSet,
)
from governance.api.common import LIST_ERRORS
from governance.api.records import IncidentFilter, IncidentViewSet, PolicyViewSet, RegistryViewSet
from governance.api.templates import TemplateItemViewSet, TemplateViewSet

__all__ = [
    "CONFLICT",
    "LIST_ERRORS",
    "ChecklistFilter",
    "ChecklistViewSet",
    "EvidenceFilter",
    "EvidenceViewSet",
    "IncidentFilter",
    "IncidentViewSet",
    "ItemFilter",
    "ItemViewSet",
    "PolicyViewSet",
    "RegistryViewSet",
    "SignOffFilter",
    "SignOffViewSet",
    "TemplateItemViewSet",
    "TemplateViewSet",
]
