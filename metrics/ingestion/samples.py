"""Storing samples: the one write behind the ingestion API, CSV uploads and the demo seeder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from metrics.ingestion.auth import MachineClient, metric_info
from metrics.ingestion.instruments import SAMPLE_BATCHES, SAMPLES_STORED
from metrics.ingestion.rows import MICROS_PER_DAY, as_datetime
from metrics.ingestion.storage import KeysExist, Stored, copy_new_samples, store_samples
from metrics.ingestion.validation import BatchRefused, Validated, validate_samples
from metrics.models import MetricDefinition
from metrics.rollups.marking import mark_days
from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.models import Organization, Perm, UseCase, User


@dataclass
class IngestResult:
    received: int
    stored: int
    duplicates: int
    rejected: int = 0
    replaced: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "replaced": self.replaced,
            "rejected": self.rejected,
        }


CONFLICT_MESSAGE = (
    "A sample with this use case, metric and client id is already stored with another "
    "timestamp or value: this resend is a duplicate and was not counted. To correct the "
    'stored sample, send it again with "replace": true.'
)


def scope_of(
    organization_id: int,
) -> tuple[frozenset[int], dict[str, tuple[int, str, float, float]]]:
    """The organization's use-case ids and its metrics by key (built-in and its own), each
    with its id, kind and valid range: one query each."""
    use_cases = frozenset(
        UseCase.objects.filter(organization_id=organization_id)
        .order_by()  # a set: the model's default ordering would only cost a sort
        .values_list("id", flat=True)
    )
    metrics = {
        key: metric_info(pk, kind, lo, hi)
        for key, pk, kind, lo, hi in MetricDefinition.objects.visible_to(organization_id)
        .order_by()
        .values_list("key", "id", "kind", "min_value", "max_value")
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
    require_client_id: bool = False,
) -> IngestResult:
    """Validate and store a batch of samples for the organization, and mark their periods for
    the roll-up job.

    ``actor`` is a machine client (an API token: only its organization, only its use cases) or
    a person who may edit use cases (CSV upload, seeding). With ``partial=False`` a batch with
    any bad row is refused whole: BatchRefused carries every row's error and nothing is
    stored. With ``partial=True`` the valid rows are stored and the errors returned.

    Idempotent per sample: a sample whose (use case, metric, client id) is already stored with
    the same time and value is skipped and counted in ``duplicates``. One stored with another
    time or value is a *conflict*: without ``partial`` the batch is refused (status 409, the
    rows named, nothing stored); with it the row is rejected. A row sent with
    ``"replace": true`` corrects the stored sample instead (``replaced``), and the periods of
    both its old and its new time are marked for recomputation. ``require_client_id`` (the
    API) refuses samples without a client id. One audit record per accepted batch (its size,
    client-id range, time span and the corrected client ids), written last so the
    organization's audit chain is locked only for the moment of the commit.
    """
    allowed: frozenset[int] | None = None
    if isinstance(actor, MachineClient):
        if actor.organization_id != organization.pk or not actor.token.is_active:
            raise PermissionDenied("This token does not belong to this organization.")
        allowed = actor.allowed_use_case_ids
        target: models.Model = audit_target or actor.token
        # Read with the token in this request, when the database allows (auth._scoped_token).
        scope = actor.scope
    else:
        membership_of(actor, organization.pk, perm=Perm.EDIT)
        target = audit_target or organization
        scope = None
    use_cases, metrics = scope if scope is not None else scope_of(organization.pk)
    checked = validate_samples(
        samples,
        use_case_ids=use_cases,
        allowed_use_case_ids=allowed,
        metrics=metrics,
        now=timezone.now(),
        first_row=first_row,
        client_id_prefix=client_id_prefix,
        require_client_id=require_client_id,
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
    source = "token" if isinstance(actor, MachineClient) else "user"
    try:
        # New samples, the usual case: one COPY and no savepoint (metrics.ingestion.storage).
        # Corrections look for the key in every month, which the COPY cannot.
        with transaction.atomic():
            outcome = None if checked.replace else copy_new_samples(rows)
            if outcome is None:  # not PostgreSQL
                outcome = store_samples(rows, replace=checked.replace)
            _record(actor, organization, target, checked, result, outcome, partial, source)
    except KeysExist:
        # Some keys are stored already (a retry, a correction): nothing of the first try was
        # kept; compare with the stored samples, key by key.
        with transaction.atomic():
            outcome = store_samples(rows, replace=checked.replace)
            _record(actor, organization, target, checked, result, outcome, partial, source)
    return result


def _record(
    actor: MachineClient | User,
    organization: Organization,
    target: models.Model,
    checked: Validated,
    result: IngestResult,
    outcome: Stored,
    partial: bool,
    source: str,
) -> None:
    """After the rows are written: refuse or reject conflicts, count, mark the periods for the
    roll-up job and append the batch's audit record (last, see ``audit_record``)."""
    rows = checked.rows
    if outcome.conflicts:
        conflicts: list[dict[str, Any]] = [
            {"row": row, "field": "client_id", "message": CONFLICT_MESSAGE}
            for row in sorted(checked.row_of[key] for key in outcome.conflicts)
        ]
        if not partial:
            # Leaving the block by an exception rolls back what was written.
            raise BatchRefused(conflicts, status=409)
        result.errors = sorted([*result.errors, *conflicts], key=lambda e: e["row"] or 0)
        result.rejected += len(conflicts)
    result.stored = outcome.stored
    result.replaced = len(outcome.replaced)
    result.duplicates = len(rows) - result.stored - result.replaced - len(outcome.conflicts)
    if result.stored or result.replaced:
        days = checked.days
        if outcome.replaced:
            # The corrected samples leave their former periods: recompute those too.
            days = days | {
                (key[0], key[1], micros // MICROS_PER_DAY)
                for key, former in outcome.replaced.items()
                for micros in former
            }
        mark_days(days)
    times = [r[3] for r in rows]
    batch_use_cases = sorted({r[0] for r in rows})
    audit_record(
        actor=actor,
        organization=organization,
        action="metrics.samples.ingest",
        target=target,
        routine=True,
        use_case=UseCase(pk=batch_use_cases[0]) if len(batch_use_cases) == 1 else None,
        after={
            **result.as_dict(),
            "client_ids": [rows[0][2], rows[-1][2]],
            "from": as_datetime(min(times)),
            "to": as_datetime(max(times)),
            "use_cases": batch_use_cases,
            **(
                {"replaced_client_ids": sorted(k[2] for k in outcome.replaced)[:100]}
                if outcome.replaced
                else {}
            ),
        },
    )
    stored = result.stored
    transaction.on_commit(lambda: _count(source, stored))


def _count(source: str, stored: int) -> None:
    SAMPLE_BATCHES.labels(source).inc()
    SAMPLES_STORED.labels(source).inc(stored)
