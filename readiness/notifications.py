"""Notifying members: an in-app notification per recipient, and an email sent by a task after commit.

Governance, metrics and the scale decision call :func:`notify` from inside their services, so
the notifications commit (or roll back) with the change that caused them. A notification the
recipient has not read yet is not sent again the same day (same kind, title and link): a repeat
tells them nothing new (a daily reminder still arrives each day). Each member chooses, per kind, whether it is also emailed (:data:`KINDS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from readiness import outbox
from readiness.models import Notification, NotificationPreference, Organization

# Every kind of notification, in the words of the preferences page.
KINDS: dict[str, str] = {
    "governance.item_submitted": "Evidence awaits your review",
    "governance.item_assigned": "A checklist item is assigned to you",
    "governance.item_approved": "Your evidence was approved",
    "governance.item_rejected": "Your evidence was rejected",
    "governance.rereview": "A passed gate needs re-review",
    "governance.incident_opened": "A high or critical incident was opened",
    "gate.passed": "A use case passed a gate",
    "gate.refused": "A gate was refused",
    "due.reminder": "What you own is due soon or late",
    "scale.decided": "A scale decision was taken",
    "adoption.feedback_reminder": "Your weekly feedback is due",
    "mention": "Someone mentioned you in a discussion",
}


def start_of_today() -> dt.datetime:
    now = timezone.localtime()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind.replace(".", " ").replace("_", " ").capitalize())


def notify(
    *,
    organization: Organization,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    use_case_id: int | None = None,
) -> list[Notification]:
    """Create one notification per distinct recipient who has not the same one unread; email
    each whose preferences allow it, after the transaction commits."""
    people = {user.pk: user for user in recipients if user is not None}
    title = title[:200]
    unread_repeats = set(
        Notification.objects.filter(
            organization=organization,
            recipient_id__in=list(people),
            kind=kind,
            title=title,
            url=url,
            read_at__isnull=True,
            created_at__gte=start_of_today(),
        ).values_list("recipient_id", flat=True)
    )
    rows = [
        Notification(
            organization=organization,
            recipient=user,
            kind=kind,
            use_case_id=use_case_id,
            title=title,
            body=body,
            url=url,
        )
        for pk, user in people.items()
        if pk not in unread_repeats
    ]
    created = Notification.objects.bulk_create(rows)
    if email and created:
        muted = set(
            NotificationPreference.objects.filter(
                organization=organization,
                kind=kind,
                email=False,
                user_id__in=[n.recipient_id for n in created],
            ).values_list("user_id", flat=True)
        )
        ids = [n.pk for n in created if n.recipient_id not in muted]
        if ids:
            from readiness.tasks import send_notification_email

            for pk in ids:
                outbox.enqueue(send_notification_email, pk)
    return created
