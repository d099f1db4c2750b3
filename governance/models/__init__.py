"""Governance: checklist templates, per-use-case checklists with evidence and sign-offs, the
approved model and provider registry, per-use-case policies and incidents.

Built on :mod:`readiness` (organizations, use cases, the gate); readiness never imports this.
Split by subdomain: the catalog of controls and templates (:mod:`.catalog`), checklists with
their items, evidence and sign-offs (:mod:`.checklists`), the registry and policies
(:mod:`.records`), incidents (:mod:`.incidents`). Model names, the app label and the tables are
those of the single module this was: the migrations are unchanged (and
``governance.models.evidence_upload_to``, which the first migration names, is still here).
"""

from governance.models.catalog import (
    GATE_PHASES,
    PHASE_VALIDATORS,
    ChecklistTemplate,
    ControlArea,
    Framework,
    FrameworkControl,
    TemplateItem,
)
from governance.models.checklists import (
    DONE_STATUSES,
    Checklist,
    Decision,
    Evidence,
    EvidenceKind,
    GovernanceItem,
    ItemQuerySet,
    ItemStatus,
    ReReview,
    SignOff,
    evidence_upload_to,
)
from governance.models.incidents import (
    ACTIVE_INCIDENT,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    Severity,
)
from governance.models.records import (
    ApprovedModel,
    DataClassification,
    LoggingPolicy,
    UseCasePolicy,
)

__all__ = [
    "ACTIVE_INCIDENT",
    "DONE_STATUSES",
    "GATE_PHASES",
    "PHASE_VALIDATORS",
    "ApprovedModel",
    "Checklist",
    "ChecklistTemplate",
    "ControlArea",
    "DataClassification",
    "Decision",
    "Evidence",
    "EvidenceKind",
    "Framework",
    "FrameworkControl",
    "GovernanceItem",
    "Incident",
    "IncidentStatus",
    "IncidentUpdate",
    "ItemQuerySet",
    "ItemStatus",
    "LoggingPolicy",
    "ReReview",
    "Severity",
    "SignOff",
    "TemplateItem",
    "UseCasePolicy",
    "evidence_upload_to",
]
