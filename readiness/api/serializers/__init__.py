"""Shapes of the REST API (``/api/v1/``): what comes in is validated here, what goes out is shaped here.

Serializers hold no business rules: the services in :mod:`readiness.services` decide (who may
act, whether an owner is a member, whether a name is taken, whether the gate opens) and the
API's exception handler (:mod:`readiness.api_errors`) turns their errors into answers.

People are named by **email address**, both ways: ``owner`` is read and written as the
owner's email (``null`` for nobody), ``done_by`` and ``created_by`` are emails.

One module per resource, as the viewsets are, with what they share in :mod:`.fields` and the
error bodies in :mod:`.errors`; every name is re-exported here (the other apps' serializers
import ``choice_field``, ``email_of`` and ``MemberEmailField`` from this package).
"""

from readiness.api.serializers.comments import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
)
from readiness.api.serializers.errors import (
    BlockerSerializer,
    ErrorSerializer,
    GateRefusedSerializer,
    StaleVersionSerializer,
    ValidationErrorSerializer,
)
from readiness.api.serializers.fields import (
    OWNER_NOT_MEMBER,
    MemberEmailField,
    choice_field,
    email_of,
)
from readiness.api.serializers.integrations import (
    IntegrationSerializer,
    IntegrationWriteSerializer,
)
from readiness.api.serializers.organizations import (
    OrganizationSerializer,
)
from readiness.api.serializers.plan import (
    ChecklistItemBriefSerializer,
    ChecklistItemSerializer,
    ChecklistItemUpdateSerializer,
    PhaseSerializer,
    PhaseUpdateSerializer,
    WorkstreamSerializer,
    WorkstreamSummarySerializer,
    WorkstreamUpdateSerializer,
)
from readiness.api.serializers.use_cases import (
    BehaviorSpecSerializer,
    BehaviorSpecVersionSerializer,
    BehaviorSpecVersionSummarySerializer,
    BehaviorSpecWriteSerializer,
    GateSerializer,
    GateTargetSerializer,
    OrganizationSlugField,
    TransitionSerializer,
    UseCaseCreateSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    UseCaseUpdateSerializer,
)

__all__ = [
    "OWNER_NOT_MEMBER",
    "BehaviorSpecSerializer",
    "BehaviorSpecVersionSerializer",
    "BehaviorSpecVersionSummarySerializer",
    "BehaviorSpecWriteSerializer",
    "BlockerSerializer",
    "ChecklistItemBriefSerializer",
    "ChecklistItemSerializer",
    "ChecklistItemUpdateSerializer",
    "CommentCreateSerializer",
    "CommentSerializer",
    "CommentUpdateSerializer",
    "ErrorSerializer",
    "GateRefusedSerializer",
    "GateSerializer",
    "GateTargetSerializer",
    "IntegrationSerializer",
    "IntegrationWriteSerializer",
    "MemberEmailField",
    "OrganizationSerializer",
    "OrganizationSlugField",
    "PhaseSerializer",
    "PhaseUpdateSerializer",
    "StaleVersionSerializer",
    "TransitionSerializer",
    "UseCaseCreateSerializer",
    "UseCaseDetailSerializer",
    "UseCaseSerializer",
    "UseCaseUpdateSerializer",
    "ValidationErrorSerializer",
    "WorkstreamSerializer",
    "WorkstreamSummarySerializer",
    "WorkstreamUpdateSerializer",
    "choice_field",
    "email_of",
]
