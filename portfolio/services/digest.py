"""Sending the weekly executive digest (its content is read by :func:`portfolio.digest.build_digest`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portfolio.digest import build_digest, iso_week, site_link
from readiness.audit import audit_record
from readiness.models import AuditEvent, Membership, Organization, Role


def executives(organization: Organization) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(
            organization=organization, role=Role.EXECUTIVE, user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
        if m.user.email
    ]


# Advisory-lock namespace for the weekly digest (any constant unique within the project).
_DIGEST_LOCK = 0x5EAD1


def _lock_digest(organization_id: int) -> None:
    """Hold, until the transaction ends, the lock that serialises digest runs of one organization.
    SQLite allows one writer at a time, so it needs none."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_DIGEST_LOCK, organization_id])


def already_sent(organization: Organization, week: str) -> bool:
    return AuditEvent.objects.filter(
        organization=organization, action="digest.sent", after__week=week
    ).exists()


def digest_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Email this week's digest to every executive of the organization, once per ISO week.

    Returns the number of emails sent (0 when already sent this week, or no executives). Two
    runs for one organization are serialised by a transaction-level advisory lock on PostgreSQL
    (not the organization row, which every audited write locks: a slow mail server must not
    hold up sign-offs and transitions), so they never both send; if sending fails nothing is
    recorded and a retry sends again.
    """
    now = now or timezone.now()
    week = iso_week(now)
    with transaction.atomic():
        _lock_digest(organization.pk)
        if already_sent(organization, week):
            return 0
        recipients = executives(organization)
        if not recipients:
            return 0
        digest = build_digest(organization, now=now)
        context = {
            "digest": digest,
            "portfolio_url": site_link(
                reverse("portfolio_dashboard", kwargs={"org": organization.slug})
            ),
            "report_url": site_link(reverse("report_portfolio", kwargs={"org": organization.slug})),
        }
        text = render_to_string("portfolio/emails/digest.txt", context)
        html = render_to_string("portfolio/emails/digest.html", context)
        messages = []
        for user in recipients:
            message = EmailMultiAlternatives(digest.subject, text, None, [user.email])
            message.attach_alternative(html, "text/html")
            messages.append(message)
        get_connection().send_messages(messages)
        audit_record(
            actor=None,
            organization=organization,
            action="digest.sent",
            target=organization,
            after={
                "week": week,
                "recipients": [u.email for u in recipients],
                "moved": len(digest.moved),
                "blocked": len(digest.blocked),
                "awaiting": len(digest.awaiting),
            },
        )
    return len(messages)
