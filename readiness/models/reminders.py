"""The memory of the daily due-date reminders: what was reminded, to whom, on which day."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from readiness.models.organizations import Organization
from readiness.models.plan import ChecklistItem, Workstream
from readiness.models.use_cases import UseCase


class DueState(models.TextChoices):
    SOON = "soon", "Due soon"
    LATE = "late", "Late"


class DueReminder(models.Model):
    """One workstream or checklist item (exactly one) reminded to its owner on one day.

    The reminder job skips what already has a row for the day, so running it twice on a day
    sends nothing the second time; the unique constraints hold even under concurrent runs.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="+")
    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    state = models.CharField(max_length=8, choices=DueState.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(workstream__isnull=False, item__isnull=True)
                    | Q(workstream__isnull=True, item__isnull=False)
                ),
                name="due_reminder_one_target",
            ),
            models.UniqueConstraint(
                fields=["workstream", "day"],
                condition=Q(workstream__isnull=False),
                name="uniq_due_reminder_workstream_day",
            ),
            models.UniqueConstraint(
                fields=["item", "day"],
                condition=Q(item__isnull=False),
                name="uniq_due_reminder_item_day",
            ),
        ]
        indexes = [models.Index(fields=["day", "organization"])]

    def __str__(self) -> str:
        target = (
            f"workstream {self.workstream_id}" if self.workstream_id else f"item {self.item_id}"
        )
        return f"{self.get_state_display()} reminder of {target} on {self.day}"
