"""A use case's integrations with its systems of record and their five concerns."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from readiness.models.use_cases import UseCase
from readiness.models.versioning import Versioned


class IntegrationKind(models.TextChoices):
    CRM = "crm", "CRM"
    ERP = "erp", "ERP"
    TICKETING = "ticketing", "Ticketing or case management"
    DOCUMENTS = "documents", "Document or knowledge store"
    DATA = "data", "Data warehouse or lake"
    MESSAGING = "messaging", "Messaging or email"
    IDENTITY = "identity", "Identity provider"
    OTHER = "other", "Other system of record"


class IntegrationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    BUILDING = "building", "Being built"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"


class ConcernStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


CONCERN_DONE = (ConcernStatus.DONE, ConcernStatus.NOT_APPLICABLE)


class Integration(Versioned):
    """A system of record a use case connects to, with the five integration concerns.

    An integration goes live only once every concern is done (or not applicable): the services
    enforce it, so "live" on the scale page means the plumbing was actually checked.
    """

    Kind = IntegrationKind
    Status = IntegrationStatus
    # The five integration concerns: field name -> label.
    CONCERNS: ClassVar[dict[str, str]] = {
        "identity_access": "Identity and access",
        "data_mapping": "Data mapping",
        "event_triggers": "Event triggers",
        "api_reliability": "API reliability",
        "logging_audit": "Logging and audit trails",
    }

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="integrations")
    name = models.CharField("system", max_length=120)
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who answers for this connection.",
    )
    status = models.CharField(
        max_length=12, choices=IntegrationStatus.choices, default=IntegrationStatus.PLANNED
    )
    identity_access = models.CharField(
        "identity and access",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    data_mapping = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NOT_STARTED
    )
    event_triggers = models.CharField(
        max_length=16, choices=ConcernStatus.choices, default=ConcernStatus.NOT_STARTED
    )
    api_reliability = models.CharField(
        "API reliability",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    logging_audit = models.CharField(
        "logging and audit trails",
        max_length=16,
        choices=ConcernStatus.choices,
        default=ConcernStatus.NOT_STARTED,
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "name"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "name"], name="uniq_integration_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.use_case})"

    def concern_list(self) -> list[tuple[str, str, str, str]]:
        """(field, label, status, status label) for each of the five concerns, in order."""
        return [
            (f, label, getattr(self, f), ConcernStatus(getattr(self, f)).label)
            for f, label in self.CONCERNS.items()
        ]

    @property
    def concerns_done(self) -> int:
        return sum(1 for f in self.CONCERNS if getattr(self, f) in CONCERN_DONE)

    @property
    def open_concerns(self) -> list[str]:
        return [label for f, label in self.CONCERNS.items() if getattr(self, f) not in CONCERN_DONE]
