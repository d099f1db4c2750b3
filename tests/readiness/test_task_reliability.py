"""Every task survives what production throws at it: transient database errors are retried with
backoff, each run is bounded in time, and a message is acknowledged only when its task ends,
redelivered soon after a worker is lost (a visibility timeout just above the longest task)."""

from __future__ import annotations

from unittest import mock

import pytest
from celery import current_app
from celery.exceptions import Retry
from django.conf import settings
from django.db import InterfaceError, OperationalError

from readiness.models import Notification
from readiness.notifications import notify
from readiness.tasks import send_invitation_email, send_notification_email

PROJECT_TASKS = ("readiness.", "governance.", "metrics.", "adoption.", "portfolio.", "webhooks.")


def project_tasks():
    current_app.loader.import_default_modules()
    return {
        name: task for name, task in current_app.tasks.items() if name.startswith(PROJECT_TASKS)
    }


def test_every_task_retries_transient_database_errors_with_backoff():
    tasks = project_tasks()
    assert "readiness.tasks.send_notification_email" in tasks
    assert "readiness.tasks.outbox_sweep" in tasks
    for name, task in tasks.items():
        retried = tuple(getattr(task, "autoretry_for", ()))
        assert OperationalError in retried and InterfaceError in retried, name
        assert task.retry_backoff and task.retry_jitter and task.max_retries, name


def test_time_limits_acks_and_visibility_timeout_fit_together():
    conf = current_app.conf
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    visibility = conf.broker_transport_options["visibility_timeout"]
    # Above the longest task (a running task is never handed out twice) and far below Redis's
    # default hour (a killed worker's message comes back within minutes).
    assert conf.task_time_limit < visibility <= 600
    # A roll-up run stops taking batches well before its soft limit.
    assert conf.task_soft_time_limit / 2 > settings.METRICS_ROLLUP_RUN_SECONDS


@pytest.mark.django_db
def test_a_notification_email_is_retried_when_the_database_blinks(org, pm):
    notification = notify(organization=org, recipients=[pm], kind="test", title="Hi")[0]
    calls = {"n": 0}
    from readiness.services import emails

    real = emails.notification_email_send

    def blink(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    # The task asks for a retry (a worker queues it with its backoff countdown), not a failure.
    with mock.patch.object(emails, "notification_email_send", blink), pytest.raises(Retry) as retry:
        send_notification_email.apply(args=[notification.pk], throw=True)
    assert isinstance(retry.value.exc, OperationalError)
    assert Notification.objects.get().emailed_at is None
    with mock.patch.object(emails, "notification_email_send", blink):
        assert send_notification_email(notification.pk) is True  # the retry sends it
    assert Notification.objects.get().emailed_at is not None


def test_an_email_outlives_a_database_restart_and_no_wait_outlives_the_visibility_timeout():
    """Full jitter may draw every wait near 0 s: five retries could all fall inside a restart of
    a few seconds (tests/worker/test_worker_pg_restart.py restarts one). Ten retries, whose
    waits may reach well past ten minutes in all, each below the visibility timeout (else a
    second worker would be handed the message held for its countdown)."""
    visibility = current_app.conf.broker_transport_options["visibility_timeout"]
    for task in (send_notification_email, send_invitation_email):
        assert task.max_retries >= 10 and task.retry_backoff_max < visibility
        assert sum(min(2**n, task.retry_backoff_max) for n in range(task.max_retries)) > 600
