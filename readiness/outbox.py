"""Queue a Celery task after the current transaction commits, without losing it to a broker outage.

:func:`enqueue` is the one way the apps queue follow-up work (emails, webhooks, roll-ups, uploads).
It writes an :class:`~readiness.models.OutboxMessage` in the caller's transaction, so the message
exists if and only if the change commits, and tries to hand it to the broker right after commit.
When the broker does not answer, the request still succeeds: the row stays unsent, and
:func:`sweep` (beat, every 30 s, and each worker as it starts) sends it once the broker is back.

Delivery is at least once: a process that dies between the broker taking the message and the row
being marked sends it again on the next sweep. Every task queued this way is idempotent (see each
task's docstring), and carries the outbox id as its Celery task id (``outbox-<id>``) for tracing.
Without a broker (the laptop default, CELERY_TASK_ALWAYS_EAGER) the task runs in-process after
commit, as ``.delay()`` did, and its exceptions propagate.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from readiness.models import OutboxMessage

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
# Unsent rows are left to the sender that wrote them for this long before a sweep takes them,
# so a sweep running beside a request does not race the request's own attempt.
SWEEP_GRACE = dt.timedelta(seconds=5)
# Sent rows are kept this long (to trace a message), then deleted by the sweep.
KEEP_SENT = dt.timedelta(days=7)
# Publishing gives up quickly: the row is the durable copy, the sweep retries.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Queue ``task(*args, **kwargs)`` once the current transaction commits (at once outside one).

    ``task`` is a Celery task or its name; arguments must be JSON (ids, not objects). Returns the
    outbox row. Never raises because the broker is down.
    """
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage.objects.create(task=name, args=list(args), kwargs=kwargs)
    pk = message.pk
    # Robust (a failure is logged, the other callbacks still run) except in-process, where a
    # task's exception must reach the caller as it did with ``.delay()``.
    transaction.on_commit(lambda: send(pk), robust=not _eager())
    return message


def send(pk: int) -> bool:
    """Hand one unsent message to the broker and mark it sent. True if this call sent it.

    The row is locked (``SKIP LOCKED``) while it is published, so a sweep and the after-commit
    attempt never both send it. A broker failure is logged, counted on the row and left to the
    sweep; it never reaches the caller.
    """
    if _eager():
        return _run_in_process(pk)
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, sent_at__isnull=True)
            .first()
        )
        if message is None:
            return False  # sent already, or another process is sending it
        return _publish(message)


def _run_in_process(pk: int) -> bool:
    """No broker: mark the row sent, then run the task here, as ``.delay()`` does eagerly."""
    message = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).first()
    if message is None:
        return False
    if not OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=message.attempts + 1
    ):
        return False
    current_app.tasks[message.task].apply_async(
        args=message.args, kwargs=message.kwargs, task_id=f"outbox-{pk}"
    )
    return True


def _publish(message: OutboxMessage) -> bool:
    """Publish a locked row; mark it sent, or count the failure. Inside the caller's atomic block."""
    message.attempts += 1
    try:
        current_app.send_task(
            message.task,
            args=message.args,
            kwargs=message.kwargs,
            task_id=f"outbox-{message.pk}",
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:  # any broker failure: the row is the durable copy, the sweep retries
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
        message.save(update_fields=["attempts", "last_error"])
        log.warning(
            "outbox: %s (message %s) not sent, left for the sweep: %s",
            message.task,
            message.pk,
            message.last_error,
        )
        return False
    message.sent_at = timezone.now()
    message.save(update_fields=["attempts", "sent_at"])
    return True


def sweep(*, batch: int = SWEEP_BATCH, max_batches: int = 50) -> int:
    """Send the unsent messages, oldest first, in bounded batches; stop at the first broker
    failure (the next sweep tries again). Also deletes sent rows past :data:`KEEP_SENT`.
    Returns how many were sent. Safe to run beside other sweeps (``SKIP LOCKED``)."""
    if _eager():
        pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk")
        ids = list(pending.values_list("pk", flat=True)[: batch * max_batches])
        return sum(_run_in_process(pk) for pk in ids)
    sent = 0
    for _ in range(max_batches):
        failed = False
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(sent_at__isnull=True, created_at__lt=timezone.now() - SWEEP_GRACE)
                .order_by("pk")[:batch]
            )
            for message in messages:
                if not _publish(message):
                    failed = True
                    break
                sent += 1
        if failed or len(messages) < batch:
            break
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    if sent:
        log.info("outbox: swept %s unsent message(s) to the broker", sent)
    return sent


def unsent_count() -> int:
    """How many messages wait for the broker (for the jobs page and the metrics endpoint)."""
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
