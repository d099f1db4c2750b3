"""What the governance viewsets share beyond :mod:`readiness.api`: the list errors and the
organization a write names by slug."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from governance import access as gaccess
from readiness import access
from readiness.api import BAD_FILTER, FORBIDDEN

LIST_ERRORS = {400: BAD_FILTER, 403: FORBIDDEN}


def organization_for(request: Request, slug: Any, action_name: str) -> Any:
    """The caller's organization with this slug, if their role there allows ``action_name``
    (404 for an unknown or foreign slug, then 403)."""
    membership = access.membership_for(request.user, str(slug or ""))
    gaccess.require(request.user, membership.organization_id, action_name)
    return membership.organization
