"""The catalog: framework controls, checklist templates and their items.

Templates are data: a use case's checklist is a *copy* of a template's items (see
:mod:`governance.models.checklists`), so editing a template never changes a checklist in use.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from readiness.models import Organization, Versioned


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
PHASE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(3)]


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


class TemplateItem(Versioned):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(max_length=24, choices=ControlArea.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField(help_text="What evidence satisfies this item.")
    gate_phase = models.PositiveSmallIntegerField(
        choices=GATE_PHASES, validators=PHASE_VALIDATORS, help_text="The phase whose gate needs it."
    )
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    controls = models.ManyToManyField(FrameworkControl, blank=True, related_name="template_items")

    class Meta:
        ordering = ["gate_phase", "position", "id"]

    def __str__(self) -> str:
        return self.title
