"""What the governance viewsets share beyond :mod:`readiness.api`: the list errors and the
organization a write names by slug."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from readiness import access
from readiness.api import BAD_FILTER, FORBIDDEN
from readiness.models import Organization, Perm

LIST_ERRORS = {400: BAD_FILTER, 403: FORBIDDEN}


def organization_for(request: Request, slug: Any, perm: Perm) -> Organization:
    """The caller's organization with this slug, if their role there allows ``perm``
    (404 for an unknown or foreign slug, then 403)."""
    return access.membership_for(request.user, str(slug or ""), perm=perm).organization
