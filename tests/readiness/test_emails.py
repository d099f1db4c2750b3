"""The email services (readiness.services.emails) and the thin tasks that call them."""

from unittest import mock

import pytest
from django.core import mail

from readiness import services
from readiness.models import Notification, Role
from readiness.tasks import send_invitation_email, send_notification_email


def _note(org, recipient, url="/x/"):
    return Notification.objects.create(
        organization=org,
        recipient=recipient,
        kind="test",
        title="Item rejected",
        body="Why.",
        url=url,
    )


def test_notification_email_is_sent_once_with_the_link(org, pm, settings):
    settings.SITE_URL = "https://readiness.example"
    note = _note(org, pm)
    assert services.notification_email_send(notification=note) is True
    assert services.notification_email_send(notification=note) is False
    [message] = mail.outbox
    assert message.to == [pm.email]
    assert message.subject == f"[{org.name}] Item rejected"
    assert message.body == "Why.\n\nhttps://readiness.example/x/\n"
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_a_failed_send_stamps_nothing_so_a_retry_sends_again(org, pm):
    note = _note(org, pm)
    failing = mock.patch("readiness.services.emails.send_mail", side_effect=ConnectionError)
    with failing, pytest.raises(ConnectionError):
        services.notification_email_send(notification=note)
    note.refresh_from_db()
    assert note.emailed_at is None
    assert send_notification_email(note.pk) is True
    assert len(mail.outbox) == 1


def test_tasks_leave_quietly_when_the_row_is_gone(db):
    assert send_invitation_email(987654) is False
    assert send_notification_email(987654) is False
    assert mail.outbox == []


def test_invitation_email_is_sent_once(org, admin):
    with mock.patch("readiness.tasks.send_invitation_email.delay"):
        invitation = services.invitation_create(
            actor=admin, organization=org, email="new.person@example.com", role=Role.VIEWER
        )
    assert services.invitation_email_send(invitation=invitation) is True
    assert send_invitation_email(invitation.pk) is False
    assert [m.to for m in mail.outbox] == [["new.person@example.com"]]
