"""The REST API under ``/api/v1/``: a thin DRF layer over the access layer, the services and the gate.

Reads: every queryset starts from the organizations the requesting user belongs to, so another
tenant's objects answer 404 exactly like missing ones. Writes: the object is looked up through
:mod:`readiness.access` with the write predicate (404, then 403 for a read-only role) before the
body is even validated, and the change itself is made by one service function, which checks the
role again, validates, audits and raises; :mod:`readiness.api_errors` turns its errors into 400,
403 and 409 answers. List endpoints run a fixed number of queries whatever the page size.

One module per resource: :mod:`.organizations`, :mod:`.use_cases`, :mod:`.plan` (workstreams,
checklist items, phases), :mod:`.integrations`, :mod:`.comments`; what they share
is in :mod:`.common`, which the other apps' APIs import from here.

Authentication uses the project default (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``)
so that organization API tokens can be added in one place; with session authentication alone,
an anonymous request gets 403.
"""

from readiness.api.comments import CommentViewSet
from readiness.api.common import (
    BAD_FILTER,
    BAD_REQUEST,
    FORBIDDEN,
    GATE_REFUSED,
    NOT_FOUND,
    READ_ERRORS,
    WRITE_ERRORS,
    IdFilter,
    ScopedViewSet,
    StableOrderingFilter,
    actor,
    member_org_ids,
)
from readiness.api.integrations import IntegrationViewSet
from readiness.api.organizations import OrganizationViewSet
from readiness.api.plan import (
    ChecklistItemFilter,
    ChecklistItemViewSet,
    PhaseFilter,
    PhaseViewSet,
    WorkstreamFilter,
    WorkstreamViewSet,
)
from readiness.api.use_cases import USE_CASE_ORDERING, UseCaseFilter, UseCaseViewSet
from readiness.api.versioning import VersionedMixin, versioned_read, versioned_write

__all__ = [
    "BAD_FILTER",
    "BAD_REQUEST",
    "FORBIDDEN",
    "GATE_REFUSED",
    "NOT_FOUND",
    "READ_ERRORS",
    "USE_CASE_ORDERING",
    "WRITE_ERRORS",
    "ChecklistItemFilter",
    "ChecklistItemViewSet",
    "CommentViewSet",
    "IdFilter",
    "IntegrationViewSet",
    "OrganizationViewSet",
    "PhaseFilter",
    "PhaseViewSet",
    "ScopedViewSet",
    "StableOrderingFilter",
    "UseCaseFilter",
    "UseCaseViewSet",
    "VersionedMixin",
    "WorkstreamFilter",
    "WorkstreamViewSet",
    "actor",
    "member_org_ids",
    "versioned_read",
    "versioned_write",
]
