"""Per-use-case checklists: items copied from a template, their evidence and sign-offs, and the
re-reviews a material change raises."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from governance.models.catalog import (
    GATE_PHASES,
    PHASE_VALIDATORS,
    ChecklistTemplate,
    ControlArea,
    FrameworkControl,
)
from readiness.models import UseCase, Versioned


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


class GovernanceItem(Versioned):
    Status = ItemStatus

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(max_length=24, choices=ControlArea.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    gate_phase = models.PositiveSmallIntegerField(choices=GATE_PHASES, validators=PHASE_VALIDATORS)
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
    # Its discussion (readiness.Comment's generic target): deleted with it.
    comments = GenericRelation(
        "readiness.Comment", content_type_field="target_type", object_id_field="target_id"
    )

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
