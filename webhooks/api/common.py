"""What the webhooks API modules share."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from rest_framework.request import Request

from readiness.models import Membership, Role, User


def admin_org_ids(user: Any) -> QuerySet[Membership, Any]:
    """The organizations where ``user`` is an org admin: the scope of every list."""
    return Membership.objects.filter(user=user, role=Role.ORG_ADMIN).values("organization_id")


def api_user(request: Request) -> User:
    return cast(User, request.user)
