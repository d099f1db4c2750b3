"""Notifying members: an in-app notification per recipient, and an email sent by a task after commit.

Governance, metrics and the scale decision call :func:`notify` from inside their services, so
the notifications commit (or roll back) with the change that caused them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from readiness.models import Notification, Organization


def notify(
    *,
    organization: Organization,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct recipient; email each after the transaction commits."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                organization=organization,
                recipient=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email and created:
        from readiness.tasks import send_notification_email

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: [send_notification_email.delay(pk) for pk in ids])
    return created
