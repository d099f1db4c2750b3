"""The work of a use case: the seven workstreams (and the templates they are copied from), the
three phases of the 90-day plan, and the checklist items of both."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from readiness.facts import Fact, FactDef, fact_def
from readiness.models.organizations import Organization
from readiness.models.use_cases import UseCase
from readiness.models.versioning import Versioned

PLAN_LENGTH_DAYS = 90


class WorkstreamStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    AT_RISK = "at_risk", "At risk"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


class Health(models.TextChoices):
    GREEN = "green", "On track"
    AMBER = "amber", "Needs attention"
    RED = "red", "Off track"


class WorkstreamTemplate(models.Model):
    """An organization's template for one of the seven workstreams; copied into each new use case."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="workstream_templates"
    )
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    facts = models.JSONField(
        default=list,
        blank=True,
        help_text="Keys of the facts whose items head the checklist (readiness.facts), in order.",
    )
    items = models.JSONField(
        default=list, help_text="Texts of the items ticked by hand (judgments), in order."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="uniq_workstream_template"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Workstream(Versioned):
    Status = WorkstreamStatus

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="workstreams")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    name = models.CharField(max_length=120)
    purpose = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=WorkstreamStatus.choices, default=WorkstreamStatus.NOT_STARTED
    )
    health = models.CharField(max_length=8, choices=Health.choices, default=Health.GREEN)
    due_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["use_case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "number"], name="uniq_workstream_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def is_late(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(
            self.due_date and self.due_date < today and self.status != WorkstreamStatus.DONE
        )


class Phase(Versioned):
    """One of the three phases of a use case's 90-day plan."""

    NAMES = {
        1: "Production definition",
        2: "Integration and controlled rollout",
        3: "Operationalization",
    }
    DAY_RANGES = {1: (1, 30), 2: (31, 60), 3: (61, 90)}

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="phases")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    name = models.CharField(max_length=120)
    first_day = models.PositiveSmallIntegerField()
    last_day = models.PositiveSmallIntegerField()
    planned_start = models.DateField()
    planned_end = models.DateField()
    actual_start = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["use_case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "number"], name="uniq_phase_number"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="phase_planned_order"
            ),
        ]

    def __str__(self) -> str:
        return f"Phase {self.number}: {self.name}"

    @property
    def is_complete(self) -> bool:
        return self.actual_end is not None

    def is_late(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.actual_end is None and self.planned_end < today

    def timeline_state(self, use_case: UseCase, today: dt.date) -> str:
        """How the phase reads on a timeline (a key of PHASE_STATES): "done" (its gate passed),
        "late" (past its planned end, not done), "current" (the phase ``use_case``, its own,
        is in) or "upcoming". The use case's timeline and the portfolio timeline colour phases
        by it, with CSS classes of the same names."""
        if self.is_complete:
            return "done"
        if self.is_late(today):
            return "late"
        if use_case.is_in_plan and self.number == use_case.current_phase:
            return "current"
        return "upcoming"


# A phase's state -> (label, badge class), as both timelines show it.
PHASE_STATES = {
    "done": ("Done", "badge-done"),
    "late": ("Late", "badge-bad"),
    "current": ("Current", "badge-info"),
    "upcoming": ("Upcoming", ""),
}


class ChecklistItem(Versioned):
    """A tickable item: either on a workstream, or an exit criterion of a phase (exactly one)."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, null=True, blank=True, related_name="items"
    )
    phase = models.ForeignKey(
        Phase, on_delete=models.CASCADE, null=True, blank=True, related_name="exit_criteria"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    done = models.BooleanField(default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    fact = models.CharField(
        max_length=40,
        choices=Fact.choices,
        blank=True,
        help_text="The fact this item follows (ticked by its record, never by hand); empty for "
        "a judgment ticked by hand.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the workstream's owner (for an exit criterion, the use case's).",
    )
    due_date = models.DateField(null=True, blank=True)
    # Its discussion (readiness.Comment's generic target): deleted with it.
    comments = GenericRelation(
        "readiness.Comment", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(workstream__isnull=False, phase__isnull=True)
                    | Q(workstream__isnull=True, phase__isnull=False)
                ),
                name="checklist_item_one_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def kind(self) -> str:
        return "exit_criterion" if self.phase_id else "workstream_item"

    @property
    def fact_source(self) -> FactDef | None:
        """The record this item follows (None for a judgment ticked by hand)."""
        return fact_def(self.fact) if self.fact else None

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_date and self.due_date < today and not self.done)

    @staticmethod
    def count_per_use_case(**filters: Any) -> Coalesce:
        """The outer use case's workstream items matching ``filters``, as a correlated subquery
        for an annotation (issue 10): PostgreSQL computes it for the rows of a page only, after
        the sort and the limit, where a join and GROUP BY counted the items of every use case."""
        items = ChecklistItem.objects.filter(workstream__use_case=OuterRef("pk"), **filters)
        n = items.order_by().values("workstream__use_case").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(n, output_field=models.IntegerField()), Value(0))
