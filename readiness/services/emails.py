"""Emails readiness sends: the invitation link and a member's notification.

Each is sent at most once: the row is locked, checked and stamped (``sent_at``,
``emailed_at``) in one transaction, so a retry after a success, or a second task racing the
first, sends nothing. If sending raises, nothing is stamped and a retry sends again. The
Celery tasks in :mod:`readiness.tasks` call these after the commit that created the row.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from readiness.models import Invitation, Notification

log = logging.getLogger(__name__)


def invitation_email_send(*, invitation: Invitation) -> bool:
    """Email the invitation link once. Returns False, sending nothing, when the invitation is
    gone, revoked, accepted, expired or already sent."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .filter(pk=invitation.pk)
            .first()
        )
        if locked is None or locked.sent_at or not locked.is_pending:
            return False
        context = {
            "invitation": locked,
            "url": f"{settings.SITE_URL}{locked.get_absolute_url()}",
        }
        send_mail(
            subject=f"You are invited to {locked.organization.name} on Readiness",
            message=render_to_string("emails/invitation.txt", context),
            from_email=None,
            recipient_list=[locked.email],
        )
        locked.sent_at = timezone.now()
        locked.save(update_fields=["sent_at"])
    log.info("invitation %s sent to %s", locked.pk, locked.email)
    return True


def notification_email_send(*, notification: Notification) -> bool:
    """Email one notification to its recipient once. Returns False, sending nothing, when the
    notification is gone or was already emailed."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "organization")
            .filter(pk=notification.pk)
            .first()
        )
        if note is None or note.emailed_at is not None:
            return False
        link = f"{settings.SITE_URL}{note.url}" if note.url else settings.SITE_URL
        send_mail(
            subject=f"[{note.organization.name}] {note.title}",
            message=f"{note.body}\n\n{link}\n",
            from_email=None,
            recipient_list=[note.recipient.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
    return True
