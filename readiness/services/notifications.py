"""A member's own notifications: read receipts and which kinds are also emailed."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.models import Notification, NotificationPreference, Organization, User
from readiness.notifications import KINDS


def notifications_mark_read(
    *,
    user: User,
    organization: Organization,
    kind: str = "",
    use_case_id: int | None = None,
    url: str = "",
) -> int:
    """Mark the member's unread notifications read (all, or those of one kind, use case or
    link: opening a comment's permalink reads the mention that led there).

    Read receipts are the member's own view state, not a change to the program's data, so
    they are not written to the audit trail. Returns how many were marked."""
    membership_of(user, organization.pk)
    unread = Notification.objects.filter(
        organization=organization, recipient=user, read_at__isnull=True
    )
    if kind:
        unread = unread.filter(kind=kind)
    if use_case_id:
        unread = unread.filter(use_case_id=use_case_id)
    if url:
        unread = unread.filter(url=url)
    return unread.update(read_at=timezone.now())


def email_kinds(user: User, organization: Organization) -> set[str]:
    """The kinds the member gets by email (every kind unless turned off)."""
    off = set(
        NotificationPreference.objects.filter(
            user=user, organization=organization, email=False
        ).values_list("kind", flat=True)
    )
    return set(KINDS) - off


@transaction.atomic
def notification_preferences_set(
    *, actor: User, organization: Organization, email: Collection[str]
) -> set[str]:
    """Email the member these kinds of notification, and only these (in-app ones always
    arrive). Unknown kinds are refused. Audited when something changed."""
    membership_of(actor, organization.pk)
    unknown = set(email) - set(KINDS)
    if unknown:
        raise ValidationError({"email": f"Unknown kinds: {', '.join(sorted(unknown))}"})
    before = email_kinds(actor, organization)
    wanted = set(email)
    if wanted == before:
        return wanted
    for kind in KINDS:
        NotificationPreference.objects.update_or_create(
            user=actor, organization=organization, kind=kind, defaults={"email": kind in wanted}
        )
    audit_record(
        actor=actor,
        organization=organization,
        action="notification.preferences",
        target=actor,
        before={"email": sorted(before)},
        after={"email": sorted(wanted)},
    )
    return wanted
