"""Governance: checklist templates, per-use-case checklists with evidence and sign-offs, the
approved model and provider registry, per-use-case policies and incidents.

Built on :mod:`readiness` (organizations, use cases, the gate); readiness never imports this.
Templates are data: a use case's checklist is a *copy* of a template's items, so editing a
template never changes a checklist already in use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness.models import Organization, UseCase


class ControlArea(models.TextChoices):
    DATA_HANDLING = "data_handling", "Data classification and handling"
    MODEL_PROVIDER = "model_provider", "Approved model or provider"
    LOGGING = "logging", "Prompt and response logging"
    RETENTION = "retention", "Retention and redaction"
    OVERSIGHT = "oversight", "Human-oversight thresholds"
    INCIDENTS = "incidents", "Incident escalation"


class Framework(models.TextChoices):
    NIST_AI_RMF = "nist_ai_rmf", "NIST AI RMF 1.0"
    ISO_42001 = "iso_42001", "ISO/IEC 42001:2023 Annex A"
    EU_AI_ACT = "eu_ai_act", "EU AI Act (Regulation (EU) 2024/1689)"


GATE_PHASES = [(1, "Phase 1 gate"), (2, "Phase 2 gate"), (3, "Phase 3 gate (production)")]
_PHASE = [MinValueValidator(1), MaxValueValidator(3)]


class GovernanceSettings(models.Model):
    """Per-organization governance switches. Absent row = the defaults below."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="governance_settings"
    )
    admins_may_sign_off = models.BooleanField(
        "org admins may sign off",
        default=False,
        help_text="When off, only governance reviewers approve or reject checklist items.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Governance settings of {self.organization}"


class FrameworkControl(models.Model):
    """One control of a public framework, by identifier and a short title in our own words.

    Built-in controls have no organization; an organization may add its own tags.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="framework_controls",
    )
    framework = models.CharField(max_length=24, choices=Framework.choices)
    identifier = models.CharField(max_length=40)
    title = models.CharField(max_length=160)

    class Meta:
        ordering = ["framework", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "identifier"],
                condition=Q(organization__isnull=True),
                name="uniq_builtin_control",
            ),
            models.UniqueConstraint(
                fields=["organization", "framework", "identifier"], name="uniq_org_control"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"


class ChecklistTemplate(models.Model):
    """A named list of governance items. Built-in templates (no organization) are read-only;
    org admins copy them and edit the copy."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="checklist_templates",
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        default=False, help_text="Applied to use cases that have no checklist yet."
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True),
                name="one_default_template_per_org",
            ),
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_template_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.organization_id is None


class TemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(max_length=24, choices=ControlArea.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField(help_text="What evidence satisfies this item.")
    gate_phase = models.PositiveSmallIntegerField(
        choices=GATE_PHASES, validators=_PHASE, help_text="The phase whose gate needs it."
    )
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    controls = models.ManyToManyField(FrameworkControl, blank=True, related_name="template_items")

    class Meta:
        ordering = ["gate_phase", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Checklist(models.Model):
    """A template applied to one use case: its items are copies, decided per use case."""

    use_case = models.ForeignKey(
        UseCase, on_delete=models.CASCADE, related_name="governance_checklists"
    )
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["use_case", "applied_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "name"], name="uniq_checklist_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.use_case})"


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


DONE_STATUSES = (ItemStatus.APPROVED, ItemStatus.NOT_APPLICABLE)


class ItemQuerySet(models.QuerySet["GovernanceItem"]):
    def for_user(self, user: Any) -> ItemQuerySet:
        return self.filter(checklist__use_case__organization__memberships__user=user)


class GovernanceItem(models.Model):
    Status = ItemStatus

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(max_length=24, choices=ControlArea.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    gate_phase = models.PositiveSmallIntegerField(choices=GATE_PHASES, validators=_PHASE)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    controls = models.ManyToManyField(FrameworkControl, blank=True, related_name="checklist_items")
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    na_reason = models.TextField("reason it does not apply", blank=True)
    assigned_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it last went to review: the queue's order."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why it is back in review (changed evidence, expiry, a material change).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["checklist", "gate_phase", "position", "id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="not_applicable") | ~Q(na_reason=""),
                name="na_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "governance_item",
            kwargs={"org": self.checklist.use_case.organization.slug, "pk": self.pk},
        )

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES


class EvidenceKind(models.TextChoices):
    TEXT = "text", "Text"
    LINK = "link", "Link"
    FILE = "file", "File"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """A random name under the organization's folder; the original name is kept in a field."""
    import uuid

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"governance/evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Evidence(models.Model):
    """What an item's sign-off rests on. Never edited: changed evidence is a new row, and the
    old one is withdrawn. ``sha256`` lets an auditor tell exactly what was signed."""

    Kind = EvidenceKind

    item = models.ForeignKey(GovernanceItem, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=200)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    effective_date = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(
        null=True, blank=True, help_text="When the expiry job sent its item back to review."
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["expires_on", "expired_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(expires_on__gte=models.F("effective_date")),
                name="evidence_expiry_after_effective",
            ),
        ]

    def __str__(self) -> str:
        return self.filename or self.url or (self.text[:60] + ("…" if len(self.text) > 60 else ""))

    def is_current(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.withdrawn_at is None and (self.expires_on is None or self.expires_on >= today)

    def as_signed(self) -> dict[str, Any]:
        """The evidence as it stood, for the audit record of a sign-off."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "sha256": self.sha256,
            "text": self.text,
            "url": self.url,
            "filename": self.filename,
            "size": self.size,
            "effective_date": self.effective_date.isoformat(),
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "submitted_by": getattr(self.submitted_by, "email", None),
        }


class Decision(models.TextChoices):
    APPROVED = "approved", "Approve"
    REJECTED = "rejected", "Reject"


class SignOff(models.Model):
    item = models.ForeignKey(GovernanceItem, on_delete=models.CASCADE, related_name="sign_offs")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField()
    evidence = models.JSONField(default=list, help_text="The evidence as it stood when signed.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.item} by {self.reviewer}"


class ReReview(models.Model):
    """A material change after a gate passed: the gate's approved items went back to review."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="rereviews")
    kind = models.CharField(max_length=32)
    description = models.CharField(max_length=400)
    gate_phases = models.JSONField(default=list)
    item_count = models.PositiveIntegerField(default=0)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Re-review of {self.use_case}: {self.description}"


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


class UseCasePolicy(models.Model):
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
