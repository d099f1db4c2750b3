"""The transactional outbox: a follow-up task is written with the change, sent after commit,
kept when the broker does not answer, and sent once by the sweep when it is back."""

from __future__ import annotations

from unittest import mock

import pytest
from celery import current_app
from django.core import mail
from django.db import models, transaction
from django.db.models import F
from kombu.exceptions import OperationalError as BrokerDown

from readiness import outbox
from readiness.models import Notification, OutboxMessage
from readiness.notifications import notify
from readiness.tasks import outbox_sweep, send_notification_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """A real broker as far as the outbox can tell (tasks are not run in-process): its
    ``send_task`` is the outside world, recorded here; ``down`` makes it refuse."""
    state = mock.Mock(down=False, sent=[])

    def send_task(name, args=None, kwargs=None, task_id=None, **_):
        if state.down:
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
        state.sent.append((name, args, kwargs, task_id))

    monkeypatch.setattr(current_app, "send_task", send_task)
    current_app.conf.task_always_eager = False
    yield state
    current_app.conf.task_always_eager = True


def age_past_grace() -> None:
    OutboxMessage.objects.update(created_at=F("created_at") - outbox.SWEEP_GRACE)


def notify_pm(org, pm, title="Hello"):
    return notify(organization=org, recipients=[pm], kind="test", title=title)[0]


def test_the_message_is_written_with_the_change_and_sent_after_commit(
    org, pm, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify_pm(org, pm)
    message = OutboxMessage.objects.get()
    assert (message.task, message.args, message.sent_at) == (
        "readiness.tasks.send_notification_email",
        [notification.pk],
        None,
    )
    assert broker.sent == []  # nothing leaves before commit
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1
    assert broker.sent == [
        ("readiness.tasks.send_notification_email", [notification.pk], {}, f"outbox-{message.pk}")
    ]


def test_a_rolled_back_change_leaves_no_message(org, pm, broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify_pm(org, pm)
        raise RuntimeError("the service failed")
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_broker_down_keeps_the_message_and_the_sweep_sends_it_once(
    org, pm, broker, django_capture_on_commit_callbacks
):
    broker.down = True
    with django_capture_on_commit_callbacks(execute=True):  # no exception reaches the caller
        notify_pm(org, pm)
    message = OutboxMessage.objects.get()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "Connection refused" in message.last_error

    age_past_grace()
    assert outbox.sweep() == 0  # still down: kept, counted
    message.refresh_from_db()
    assert (message.sent_at, message.attempts) == (None, 2)

    broker.down = False
    assert outbox_sweep() == 1
    assert outbox_sweep() == 0
    assert [s[0] for s in broker.sent] == ["readiness.tasks.send_notification_email"]
    assert OutboxMessage.objects.get().sent_at is not None


def test_the_sweep_leaves_young_messages_to_their_sender(org, pm, broker):
    broker.down = True
    with transaction.atomic():
        notify_pm(org, pm)
    broker.down = False
    assert outbox.sweep() == 0  # within SWEEP_GRACE: the after-commit attempt goes first
    assert broker.sent == []


def test_the_sweep_stops_at_the_first_failure(org, pm, broker):
    for n in range(3):
        notify_pm(org, pm, title=f"Hello {n}")  # three different ones (a repeat is not sent)
    age_past_grace()
    broker.down = True
    assert outbox.sweep() == 0
    attempts = sorted(OutboxMessage.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 1]  # one try, not three, against a broker that is down


def test_a_message_sent_already_is_not_sent_again(org, pm, broker):
    message = outbox.enqueue(send_notification_email, notify_pm(org, pm).pk)
    assert outbox.send(message.pk) is True
    assert outbox.send(message.pk) is False
    assert len(broker.sent) == 1  # (notify_pm's own message waits for a commit that never comes)


def test_without_a_broker_the_task_runs_in_process_after_commit(
    org, pm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_pm(org, pm)
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.get().sent_at is not None


def test_the_outbox_table_never_waits_for_a_lock():
    """tests/lock_order.py lets an outbox insert follow the audit record because the insert can
    wait for no other transaction: no foreign key, no unique constraint but the serial key."""
    fields = OutboxMessage._meta.get_fields()
    assert not [f for f in fields if f.is_relation]
    assert [f.name for f in fields if getattr(f, "unique", False)] == ["id"]
    assert not [
        c for c in OutboxMessage._meta.constraints if isinstance(c, models.UniqueConstraint)
    ]
