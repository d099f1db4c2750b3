"""Incidents on a use case, and their timelines."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.urls import reverse
from django.utils import timezone

from readiness.models import UseCase


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    RESOLVED = "resolved", "Resolved"
    REVIEWED = "reviewed", "Reviewed"


ACTIVE_INCIDENT = (IncidentStatus.OPEN, IncidentStatus.MITIGATING)


class Incident(models.Model):
    Severity = Severity
    Status = IncidentStatus

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(max_length=200)
    description = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(
        max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    post_incident_review = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Its discussion (readiness.Comment's generic target): deleted with it.
    comments = GenericRelation(
        "readiness.Comment", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["use_case", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "governance_incident",
            kwargs={"org": self.use_case.organization.slug, "pk": self.pk},
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_INCIDENT


class IncidentUpdate(models.Model):
    """One entry of an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField()
    status_from = models.CharField(max_length=12, choices=IncidentStatus.choices, blank=True)
    status_to = models.CharField(max_length=12, choices=IncidentStatus.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Update on {self.incident}"
