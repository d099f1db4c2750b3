"""Celery tasks for readiness: thin wrappers that fetch by id and call one service.

Each leaves quietly (returns False) when its row is gone; the service makes a second run send
nothing. Only transient errors of the mail server are retried, with backoff and jitter.
"""

from __future__ import annotations

from celery import shared_task

from readiness import outbox, services
from readiness.models import Invitation, Notification
from readiness.retry import TRANSIENT_DB_ERRORS, TRANSIENT_ERRORS
from readiness.services import emails
from readiness.services.audit import audit_checkpoint_all

# Celery's full jitter draws each wait between 0 and 2^n s: five retries may all fall within a
# restart of a few seconds, and the email is then lost. Ten span minutes while the first ones
# stay quick; each wait stays under the broker's visibility timeout (a message held for its
# countdown longer than that would be handed to a second worker).
EMAIL_MAX_RETRIES = 10
EMAIL_RETRY_MAX_SECONDS = 300


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    retry_backoff_max=EMAIL_RETRY_MAX_SECONDS,
    max_retries=EMAIL_MAX_RETRIES,
)
def send_invitation_email(invitation_id: int) -> bool:
    """Email the invitation link once. Sending again after success does nothing.

    Returns False when the invitation is gone, revoked, accepted or already sent.
    """
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    return emails.invitation_email_send(invitation=invitation)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    retry_backoff_max=EMAIL_RETRY_MAX_SECONDS,
    max_retries=EMAIL_MAX_RETRIES,
)
def send_notification_email(notification_id: int) -> bool:
    """Email one notification once; a retry after success sends nothing. False if gone or sent."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return False
    return emails.notification_email_send(notification=notification)


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def send_due_reminders() -> int:
    """Daily: remind owners of what is due soon and what is late. Safe to retry and to run
    twice a day: nothing is reminded twice on one day (see services.due_reminders_send)."""
    return services.due_reminders_send()


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def audit_checkpoint() -> dict[str, int]:
    """Sign every organization's audit chain head (beat, hourly). Idempotent: another run
    writes another checkpoint of the same head. A broken chain is logged, not retried."""
    run = audit_checkpoint_all()
    return {"written": len(run.written), "broken": len(run.broken)}


@shared_task(
    autoretry_for=TRANSIENT_DB_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def outbox_sweep() -> int:
    """Beat, every 30 s, and each worker as it starts: send the outbox messages a broker outage
    (or a process that died after commit) left unsent. Safe beside another sweep (SKIP LOCKED);
    returns how many were sent."""
    return outbox.sweep()
