"""The approved model and provider registry, and each use case's governance policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from readiness.models import Organization, UseCase, Versioned


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class ApprovedModel(models.Model):
    """One entry of the organization's registry of approved models and providers."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="approved_models"
    )
    provider = models.CharField(max_length=80)
    model_name = models.CharField("model", max_length=120)
    version = models.CharField(max_length=60, blank=True)
    data_classifications = models.JSONField(
        default=list, help_text="The data classifications it is approved for."
    )
    approved_on = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "model_name", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider", "model_name", "version"],
                name="uniq_approved_model",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("approved_on")),
                name="approval_expiry_after_approval",
            ),
        ]

    def __str__(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.provider} {self.model_name}{version}"

    def is_expired(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today


class LoggingPolicy(models.TextChoices):
    NONE = "none", "Nothing logged"
    METADATA = "metadata", "Metadata only (no prompt or response text)"
    REDACTED = "redacted", "Prompts and responses, redacted"
    FULL = "full", "Prompts and responses in full"


class UseCasePolicy(Versioned):
    """How one use case handles data, logs and human oversight, and what model it runs on."""

    use_case = models.OneToOneField(
        UseCase, on_delete=models.CASCADE, related_name="governance_policy"
    )
    data_classification = models.CharField(
        max_length=16, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    provider = models.CharField(max_length=80, blank=True)
    model_name = models.CharField("model", max_length=120, blank=True)
    model_version = models.CharField(max_length=60, blank=True)
    logging_policy = models.CharField(
        "prompt and response logging",
        max_length=16,
        choices=LoggingPolicy.choices,
        default=LoggingPolicy.METADATA,
    )
    retention_days = models.PositiveIntegerField(
        "retention period (days)",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    redaction_rules = models.TextField(blank=True)
    review_below_confidence = models.DecimalField(
        "a human reviews below this confidence",
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Between 0 and 1.",
    )
    incident_above_escalation_rate = models.DecimalField(
        "open an incident above this escalation rate",
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Share of outputs escalated to a person, between 0 and 1.",
    )
    escalation_contacts = models.TextField(blank=True, help_text="Who to call, one per line.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "use case policies"

    def __str__(self) -> str:
        return f"Policy of {self.use_case}"

    @property
    def model_label(self) -> str:
        if not self.model_name:
            return ""
        version = f" {self.model_version}" if self.model_version else ""
        return f"{self.provider} {self.model_name}{version}".strip()
