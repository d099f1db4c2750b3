from typing import Any

from django.http import HttpRequest

from readiness.middleware import memberships_of
from readiness.models import Notification


def organizations(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's memberships, for the organization switcher in the header; reuses
    what :class:`readiness.middleware.OrganizationMiddleware` loaded for the request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(request, "membership", None)
    unread = 0
    if current is not None:
        unread = Notification.objects.filter(
            organization_id=current.organization_id, recipient=user, read_at__isnull=True
        ).count()
    return {
        "my_memberships": memberships_of(request),
        "current_membership": current,
        "unread_notifications": unread,
    }
