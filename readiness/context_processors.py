from typing import Any

from django.http import HttpRequest

from readiness.models import Membership, Notification


def organizations(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's memberships, for the organization switcher in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("org") if match else None
    current = next((m for m in memberships if m.organization.slug == slug), None)
    unread = 0
    if current is not None:
        unread = Notification.objects.filter(
            organization=current.organization, recipient=user, read_at__isnull=True
        ).count()
    return {
        "my_memberships": memberships,
        "current_membership": current,
        "unread_notifications": unread,
    }
