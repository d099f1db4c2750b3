"""Celery tasks for readiness: thin wrappers that fetch by id and call one function."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from readiness.models import Invitation

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_invitation_email(invitation_id: int) -> bool:
    """Email the invitation link once. Sending again after success does nothing.

    Returns False when the invitation is gone, revoked, accepted or already sent.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or not invitation.is_pending:
            return False
        context = {
            "invitation": invitation,
            "url": f"{settings.SITE_URL}{invitation.get_absolute_url()}",
        }
        send_mail(
            subject=f"You are invited to {invitation.organization.name} on Readiness",
            message=render_to_string("emails/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    log.info("invitation %s sent to %s", invitation.pk, invitation.email)
    return True


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification once; a retry after success sends nothing. False if gone or sent."""
    from readiness.models import Notification

    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "organization")
            .filter(pk=notification_id)
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


@shared_task(
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_weekly_digest(organization_id: int | None = None) -> int:
    """Beat, Mondays 07:00 UTC: without an id, queue one task per organization (so one failing
    mail server answer does not hold up the others); with an id, send that organization's digest.
    Idempotent per organization per ISO week (see readiness.digest.digest_send)."""
    from readiness import digest
    from readiness.models import Organization

    if organization_id is None:
        ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
        for pk in ids:
            send_weekly_digest.delay(pk)
        return len(ids)
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return digest.digest_send(organization=organization)
