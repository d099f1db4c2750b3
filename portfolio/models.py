"""The executive app's own records: scale decisions. Everything else it shows is read from
readiness, governance, metrics and adoption through their selectors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from readiness.models import UseCase


class ScaleOutcome(models.TextChoices):
    APPROVED = "approved", "Approve scale"
    DECLINED = "declined", "Decline scale"
    DEFERRED = "deferred", "Defer the decision"


class ScaleDecision(models.Model):
    """An executive's decision on scaling a use case in production; never edited, only added.

    ``evidence`` is the case as it stood when decided: the six answers, the gate's result and
    the readiness score, so the audit trail shows what the decision rested on.
    """

    Outcome = ScaleOutcome

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="scale_decisions")
    outcome = models.CharField(max_length=12, choices=ScaleOutcome.choices)
    rationale = models.TextField()
    revisit_on = models.DateField(
        null=True, blank=True, help_text="When a deferred decision is taken up again."
    )
    evidence = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["use_case", "-decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="deferred") | Q(revisit_on__isnull=False),
                name="deferred_scale_needs_revisit_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.use_case}"


class UseCaseReadiness(models.Model):
    """One use case's judged readiness as the portfolio shows it, stored so the portfolio reads
    rows instead of judging every use case on every request (issue 10).

    Kept by :mod:`portfolio.stored`: recomputed after every change to its inputs (a
    :class:`ReadinessMark` says it is stale), by a periodic sweep, and daily, because
    scorecard windows and evidence expiry move with the calendar (``computed_for``). A reader
    never trusts a row that is missing, marked, or judged for another day: it judges it again.
    ``state`` holds what the row shows beyond the sortable columns (gate target, blockers, the
    six answers, governance progress, score breakdown, reasons), in the shape
    :func:`portfolio.stored.row_state` writes.
    """

    use_case = models.OneToOneField(
        UseCase, on_delete=models.CASCADE, primary_key=True, related_name="stored_readiness"
    )
    organization = models.ForeignKey(
        "readiness.Organization", on_delete=models.CASCADE, related_name="+"
    )
    verdict = models.CharField(max_length=20)
    verdict_order = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    blockers = models.PositiveIntegerField(help_text="Open blockers on the gate in front.")
    levels = models.JSONField(default=dict, help_text="Scorecard status per metric level.")
    state = models.JSONField(default=dict)
    computed_for = models.DateField(help_text="The day its date windows were judged on.")
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "score"], name="readiness_org_score"),
            models.Index(fields=["organization", "blockers"], name="readiness_org_blockers"),
            models.Index(fields=["organization", "verdict_order"], name="readiness_org_verdict"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case_id}: {self.verdict} {self.score}"


class ReadinessMark(models.Model):
    """A use case whose stored readiness is stale: inserted in the transaction of the change
    (see :func:`portfolio.stored.on_use_cases_changed`), deleted by the recompute that read it.

    No foreign key and no unique constraint, like the outbox: inserting one never waits for a
    lock, so a service may mark after its audit record has locked the chain head. Marks of a
    deleted use case are removed by the sweep."""

    id = models.BigAutoField(primary_key=True)
    use_case_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["use_case_id", "id"], name="readiness_mark_use_case")]

    def __str__(self) -> str:
        return f"use case {self.use_case_id} stale since {self.created_at:%Y-%m-%d %H:%M:%S}"
