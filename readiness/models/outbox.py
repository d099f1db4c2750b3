"""The transactional outbox: a task to queue, written in the transaction of the change it follows."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One task message that must reach the broker because a change committed.

    Written in the same transaction as the change (so it exists exactly when the change does),
    sent after commit, and marked ``sent_at`` once the broker took it. A row left unsent (the
    broker was down, the process died) is sent again by the sweeper. No foreign keys and no
    unique constraint: inserting a row never waits for another transaction's lock, so it may
    follow a service's audit record without breaking the audit's lock order.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True), name="outbox_unsent"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ]

    def __str__(self) -> str:
        state = "sent" if self.sent_at else "unsent"
        return f"{self.task}{tuple(self.args)} ({state})"
