"""Storing samples: the one write behind the ingestion API, CSV uploads and the demo seeder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from metrics import rollups
from metrics.auth import MachineClient
from metrics.ingest import BatchRefused, as_datetime, store_samples, validate_samples
from metrics.models import MetricDefinition
from readiness.access import WRITE, membership_of
from readiness.audit import audit_record
from readiness.models import Organization, UseCase, User


@dataclass
class IngestResult:
    received: int
    stored: int
    duplicates: int
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


def scope_of(organization_id: int) -> tuple[frozenset[int], dict[str, tuple[int, str]]]:
    """The organization's use-case ids and its metrics by key (built-in and its own): one
    query each."""
    use_cases = frozenset(
        UseCase.objects.filter(organization_id=organization_id)
        .order_by()  # a set: the model's default ordering would only cost a sort
        .values_list("id", flat=True)
    )
    metrics = {
        key: (pk, kind)
        for key, pk, kind in MetricDefinition.objects.filter(
            Q(organization__isnull=True) | Q(organization_id=organization_id)
        )
        .order_by()
        .values_list("key", "id", "kind")
    }
    return use_cases, metrics


def samples_ingest(
    *,
    actor: MachineClient | User,
    organization: Organization,
    samples: Sequence[Any],
    partial: bool = False,
    first_row: int = 0,
    client_id_prefix: str | None = None,
    audit_target: models.Model | None = None,
) -> IngestResult:
    """Validate and store a batch of samples for the organization, and mark their periods for
    the roll-up job.

    ``actor`` is a machine client (an API token: only its organization, only its use cases) or
    a person who may edit use cases (CSV upload, seeding). With ``partial=False`` a batch with
    any bad row is refused whole: BatchRefused carries every row's error and nothing is
    stored. With ``partial=True`` the valid rows are stored and the errors returned.

    Idempotent per sample: a sample whose (use case, metric, client id) is already stored is
    skipped and counted in ``duplicates``. One audit record per accepted batch (its size,
    client-id range and time span), written last so the organization's audit chain is locked
    only for the moment of the commit.
    """
    allowed: frozenset[int] | None = None
    if isinstance(actor, MachineClient):
        if actor.organization_id != organization.pk or not actor.token.is_active:
            raise PermissionDenied("This token does not belong to this organization.")
        allowed = actor.allowed_use_case_ids
        target: models.Model = audit_target or actor.token
    else:
        membership_of(actor, organization.pk, predicate=WRITE)
        target = audit_target or organization
    use_cases, metrics = scope_of(organization.pk)
    checked = validate_samples(
        samples,
        use_case_ids=use_cases,
        allowed_use_case_ids=allowed,
        metrics=metrics,
        now=timezone.now(),
        first_row=first_row,
        client_id_prefix=client_id_prefix,
    )
    if checked.errors and not partial:
        raise BatchRefused(checked.errors)
    rows = checked.rows
    result = IngestResult(
        received=len(samples),
        stored=0,
        duplicates=0,
        rejected=len(checked.rejected_rows),
        errors=checked.errors,
    )
    if not rows:
        return result
    with transaction.atomic():
        result.stored = store_samples(rows)
        result.duplicates = len(rows) - result.stored
        if result.stored:
            rollups.mark_days(checked.days)
        times = [r[3] for r in rows]
        batch_use_cases = sorted({r[0] for r in rows})
        audit_record(
            actor=actor,
            organization=organization,
            action="metrics.samples.ingest",
            target=target,
            use_case=UseCase(pk=batch_use_cases[0]) if len(batch_use_cases) == 1 else None,
            after={
                **result.as_dict(),
                "client_ids": [rows[0][2], rows[-1][2]],
                "from": as_datetime(min(times)),
                "to": as_datetime(max(times)),
                "use_cases": batch_use_cases,
            },
        )
    return result
