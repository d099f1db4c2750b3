"""The ground floor: organizations, memberships, use cases, workstreams, the 90-day plan, audit.

One module per subdomain; every name is re-exported here, so ``from readiness.models import X``
is the one way to import them. ``governance``, ``metrics`` and ``adoption`` build on these
models; nothing here imports from them. The import order below is the order the models are
registered in (it was the order they were defined in when this was one module), which keeps
``apps.get_models()``, and so content types and permissions, in the order they always had.
"""

# ruff: noqa: I001  (the import order is the registration order, see above)

from readiness.models.versioning import Versioned
from readiness.models.organizations import (
    MFA_ROLES,
    PERM_DENIED,
    Invitation,
    MeasuredStatistic,
    Membership,
    Organization,
    Perm,
    Role,
    User,
    UserManager,
)
from readiness.models.use_cases import (
    BehaviorSpecVersion,
    RiskTier,
    UseCase,
    UseCaseQuerySet,
    UseCaseStatus,
)
from readiness.models.plan import (
    PHASE_STATES,
    PLAN_LENGTH_DAYS,
    ChecklistItem,
    Health,
    Phase,
    Workstream,
    WorkstreamStatus,
    WorkstreamTemplate,
)
from readiness.models.audit import AuditChainHead, AuditCheckpoint, AuditEvent
from readiness.models.notifications import Notification, NotificationPreference
from readiness.models.integrations import (
    CONCERN_DONE,
    ConcernStatus,
    Integration,
    IntegrationKind,
    IntegrationStatus,
)
from readiness.models.reminders import DueReminder, DueState
from readiness.models.outbox import OutboxMessage
from readiness.models.discussion import MAX_COMMENT, Comment

__all__ = [
    "CONCERN_DONE",
    "MAX_COMMENT",
    "MFA_ROLES",
    "PERM_DENIED",
    "PHASE_STATES",
    "PLAN_LENGTH_DAYS",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "BehaviorSpecVersion",
    "ChecklistItem",
    "Comment",
    "ConcernStatus",
    "DueReminder",
    "DueState",
    "Health",
    "Integration",
    "IntegrationKind",
    "IntegrationStatus",
    "Invitation",
    "MeasuredStatistic",
    "Membership",
    "Notification",
    "NotificationPreference",
    "Organization",
    "OutboxMessage",
    "Perm",
    "Phase",
    "RiskTier",
    "Role",
    "UseCase",
    "UseCaseQuerySet",
    "UseCaseStatus",
    "User",
    "UserManager",
    "Versioned",
    "Workstream",
    "WorkstreamStatus",
    "WorkstreamTemplate",
]
