"""The audit trail: one append-only, keyed, hash-chained record per change, per organization.

How the chain is computed and checked lives in :mod:`readiness.audit`; these are its tables.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from readiness.models.organizations import Organization
from readiness.models.use_cases import UseCase


class AuditEvent(models.Model):
    """An append-only record of one change, numbered 1, 2, 3 ... within its organization.

    ``hash`` is an HMAC-SHA256, keyed with ``AUDIT_KEY`` (never stored in the database), over
    every field a reader sees and the previous record's hash (:mod:`readiness.audit.chain`), so
    editing, removing, reordering or re-hashing any record breaks the chain from there on, and
    signed checkpoints kept outside the database catch a removed tail or a rewritten chain
    (``python manage.py audit_verify``). Rows are never updated or deleted: the model refuses,
    and on PostgreSQL a trigger refuses UPDATE and DELETE too.

    ``actor`` and ``use_case`` keep the id of a deleted user or use case: they are foreign keys
    without a database constraint (``db_constraint=False``, ``DO_NOTHING``), because ON DELETE
    SET NULL would rewrite audit rows, which the trigger forbids and the hash would catch. A
    reader of a record whose user is gone sees ``actor_label``, kept for that reason.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events"
    )
    sequence = models.PositiveBigIntegerField(
        help_text="Position in the organization's chain: 1, 2, 3 ... with no gap."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        max_length=254, help_text="Who acted, kept even if the user is deleted."
    )
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=300, blank=True)
    use_case = models.ForeignKey(
        UseCase,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sequence"], name="uniq_audit_sequence"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-id"]),
            models.Index(fields=["use_case", "-id"]),
            models.Index(fields=["organization", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only")


class AuditChainHead(models.Model):
    """The newest record of one organization's chain: its sequence number and hash.

    ``audit_record`` locks this row to append, so that one organization's records are numbered
    one at a time. It is a row of its own (not the organization's) because nothing else locks
    it and no foreign key points at it: the organization row is referenced by nearly every
    table, and locking it for the audit deadlocked against those references. The head is a
    convenience that ``audit_verify`` also compares; the proof is the records and checkpoints.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The sequence of the newest record that is not routine (a batch of samples is): pages that
    # show no metrics read it as the state of the organization's content, and share what they
    # render for one state (readiness.selectors.content_state).
    content_sequence = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Audit head of organization {self.organization_id}: {self.sequence}"


class AuditCheckpoint(models.Model):
    """A signed statement that one organization's chain reached ``sequence`` with ``head``.

    Written at least daily (beat) and on demand (``manage.py audit_checkpoint``), together with
    the same line in ``AUDIT_CHECKPOINT_DIR`` outside the database, and carried in the audit
    export. ``signature`` is an HMAC-SHA256 with ``AUDIT_KEY`` (:func:`readiness.audit.chain.sign`).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_checkpoints"
    )
    sequence = models.PositiveBigIntegerField()
    head = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence", "-id"]
        indexes = [models.Index(fields=["organization", "-sequence"])]

    def __str__(self) -> str:
        return f"Checkpoint of organization {self.organization_id} at record {self.sequence}"
