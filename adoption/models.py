"""The adoption rollout: cohorts going live one team at a time, training, usage boundaries,
weekly feedback and the iteration log of the first weeks after go-live.

Cohort members are users of the organization (not a bare headcount) because they are the
people who give weekly feedback and whose managers must be trained first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness.models import UseCase, Versioned

_ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class CohortStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    LIVE = "live", "Live"


class Cohort(Versioned):
    """One team rolled onto the use case together."""

    Status = CohortStatus

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=120)
    team = models.CharField(max_length=120)
    size = models.PositiveIntegerField(
        help_text="How many people the cohort brings onto the use case (its headcount).",
        validators=[MinValueValidator(1)],
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_cohorts", blank=True
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="adoption_cohorts",
        blank=True,
        help_text="The users who work with the AI and give weekly feedback.",
    )
    planned_go_live = models.DateField("planned go-live", null=True, blank=True)
    actual_go_live = models.DateField("actual go-live", null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CohortStatus.choices, default=CohortStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "planned_go_live", "name"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "name"], name="uniq_cohort_name"),
            models.CheckConstraint(
                condition=~Q(status="live") | Q(actual_go_live__isnull=False),
                name="cohort_live_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.use_case})"

    def get_absolute_url(self) -> str:
        return reverse(
            "adoption_cohort",
            kwargs={"org": self.use_case.organization.slug, "pk": self.pk},
        )

    @property
    def is_live(self) -> bool:
        return self.status == CohortStatus.LIVE


class TrainingRecord(models.Model):
    """A person trained on the use case (recorded once per topic)."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="training_records")
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_records",
        help_text="The cohort the training was recorded for, if any.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adoption_training"
    )
    topic = models.CharField("course or topic", max_length=160)
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "user", "topic"], name="uniq_training_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} trained on {self.topic}"


class UsageBoundary(models.Model):
    """One published version of a use case's usage boundaries; never edited, only added."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="usage_boundaries")
    version = models.PositiveIntegerField()
    body = models.TextField(
        help_text="What the AI may and may not be used for, in plain words (no markup)."
    )
    change_note = models.CharField(max_length=200, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["use_case", "-version"]
        verbose_name = "usage boundaries version"
        constraints = [
            models.UniqueConstraint(fields=["use_case", "version"], name="uniq_boundary_version"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} usage boundaries v{self.version}"


class BoundaryAcknowledgement(models.Model):
    """A user has read one version of the usage boundaries."""

    boundary = models.ForeignKey(
        UsageBoundary, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["boundary", "user"], name="uniq_boundary_ack"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.boundary}"


class Feedback(models.Model):
    """One member's structured feedback on a live cohort for one ISO week."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adoption_feedback"
    )
    week = models.DateField(help_text="Monday of the ISO week the feedback is for.")
    usefulness = models.PositiveSmallIntegerField(validators=_ONE_TO_FIVE)
    trust = models.PositiveSmallIntegerField(validators=_ONE_TO_FIVE)
    minutes_saved = models.PositiveIntegerField(
        "minutes saved this week", validators=[MaxValueValidator(60 * 60)]
    )
    comment = models.TextField("anything else", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-week", "cohort", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user", "week"], name="uniq_feedback_per_week"
            ),
            models.CheckConstraint(
                condition=Q(usefulness__gte=1, usefulness__lte=5), name="feedback_usefulness_1_5"
            ),
            models.CheckConstraint(
                condition=Q(trust__gte=1, trust__lte=5), name="feedback_trust_1_5"
            ),
        ]
        indexes = [models.Index(fields=["week"])]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"Feedback of {self.user} on {self.cohort.name}, week of {self.week}"


class FeedbackReminder(models.Model):
    """A weekly reminder was sent to this user for this week (the reminder job's memory)."""

    organization = models.ForeignKey(
        "readiness.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "week"], name="uniq_feedback_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user_id} for week {self.week}"


class IterationEntry(Versioned):
    """One change made during rollout: what changed, why, and what came of it."""

    use_case = models.ForeignKey(
        UseCase, on_delete=models.CASCADE, related_name="iteration_entries"
    )
    happened_on = models.DateField("date")
    change = models.TextField("what changed")
    reason = models.TextField("why")
    outcome = models.TextField(blank=True, help_text="What happened after; fill in when known.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = "iteration log entry"
        verbose_name_plural = "iteration log entries"

    def __str__(self) -> str:
        return f"{self.use_case}: {self.change[:60]}"
