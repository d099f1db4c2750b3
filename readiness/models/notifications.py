"""In-app notifications to members (emailed by a task after commit)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from readiness.models.organizations import Organization
from readiness.models.use_cases import UseCase


class Notification(models.Model):
    """A message to one member, shown in the app and (optionally) emailed by a task after commit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    # The use case it is about (the notifications page groups by it); None: the organization.
    use_case = models.ForeignKey(
        UseCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id}: {self.title}"


class NotificationPreference(models.Model):
    """Whether a member wants email for one kind of notification in one organization (no row:
    yes). In-app notifications always arrive; only the email is optional."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "kind"], name="one_preference_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: email {'on' if self.email else 'off'}"
