"""Use cases, their workflow economics and the versioned production behavior spec."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness.models.organizations import Organization
from readiness.models.versioning import Versioned
from readiness.scoring import CRITERIA


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class UseCaseStatus(models.TextChoices):
    PILOT = "pilot", "Pilot"
    IN_TRANSITION = "in_transition", "In transition"
    PRODUCTION = "production", "Production"
    SCALED = "scaled", "Scaled"
    RETIRED = "retired", "Retired"


_SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class UseCaseQuerySet(models.QuerySet["UseCase"]):
    def for_user(self, user: Any) -> UseCaseQuerySet:
        return self.filter(organization__memberships__user=user)


class UseCase(Versioned):
    Status = UseCaseStatus

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="use_cases"
    )
    name = models.CharField(max_length=160)
    workflow = models.TextField(
        "workflow it improves", help_text="The workflow the AI improves, exactly."
    )
    team = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_use_cases",
        help_text="Who owns the product after implementation.",
    )
    target_outcome = models.TextField("target business outcome")
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, default=RiskTier.MEDIUM)
    status = models.CharField(
        max_length=16, choices=UseCaseStatus.choices, default=UseCaseStatus.PILOT
    )
    start_date = models.DateField(help_text="Day 1 of the 90-day plan.")
    current_phase = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    # Workflow economics, each scored 1 (poor fit) to 5 (strong fit); empty until scored, so
    # a default never passes for a judgment (the workflow economics items follow these).
    repetition = models.PositiveSmallIntegerField(validators=_SCORE, null=True, blank=True)
    clear_handoffs = models.PositiveSmallIntegerField(validators=_SCORE, null=True, blank=True)
    cost_of_delay = models.PositiveSmallIntegerField(validators=_SCORE, null=True, blank=True)
    knowledge_lookup = models.PositiveSmallIntegerField(
        "frequency of knowledge lookup", validators=_SCORE, null=True, blank=True
    )
    reviewability = models.PositiveSmallIntegerField(
        "reviewability of output", validators=_SCORE, null=True, blank=True
    )
    politically_sensitive = models.BooleanField(default=False)
    priority_score = models.PositiveSmallIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UseCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-priority_score", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_use_case_name"),
            models.CheckConstraint(
                condition=Q(current_phase__gte=1, current_phase__lte=3), name="use_case_phase_range"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__gte": 1, f"{f}__lte": 5}), name=f"{f}_1_to_5"
                )
                for f in (
                    "repetition",
                    "clear_handoffs",
                    "cost_of_delay",
                    "knowledge_lookup",
                    "reviewability",
                )
            ],
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("usecase_detail", kwargs={"org": self.organization.slug, "pk": self.pk})

    def plan_day(self, today: dt.date | None = None) -> int:
        """Day of the 90-day plan: 1 on the start date; may be <1 before it or >90 after."""
        today = today or timezone.localdate()
        return (today - self.start_date).days + 1

    @property
    def is_in_plan(self) -> bool:
        return self.status in (UseCaseStatus.PILOT, UseCaseStatus.IN_TRANSITION)

    @property
    def scored_criteria(self) -> int:
        """How many of the five economics criteria have a score."""
        return sum(1 for f in CRITERIA if getattr(self, f) is not None)

    @property
    def is_scored(self) -> bool:
        return self.scored_criteria == len(CRITERIA)


class BehaviorSpecVersion(models.Model):
    """One saved version of a use case's production behavior spec; never edited, only added.

    A version may leave fields empty (a draft grows field by field); each field filled in the
    current version ticks its production behavior item (readiness.facts)."""

    FIELDS = (
        "inputs",
        "output_format",
        "uncertainty_behavior",
        "human_approval",
        "source_systems",
        "acceptable_latency",
    )

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="spec_versions")
    version = models.PositiveIntegerField()
    inputs = models.TextField("what inputs the AI receives", blank=True)
    output_format = models.TextField("required output format", blank=True)
    uncertainty_behavior = models.TextField("what happens when the AI is uncertain", blank=True)
    human_approval = models.TextField("what requires human approval", blank=True)
    source_systems = models.TextField("source systems needed", blank=True)
    acceptable_latency = models.CharField("acceptable latency", max_length=120, blank=True)
    change_note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["use_case", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "version"], name="uniq_spec_version"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} spec v{self.version}"

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.FIELDS}
