"""On-demand recompute of a use case's roll-ups, and the retry of a failed one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from metrics.models import DirtyPeriod, RollupFailure
from metrics.rollups.marking import mark_from_samples
from metrics.tasks import rollup_use_case
from readiness import outbox
from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.models import Perm, UseCase, User


@transaction.atomic
def rollup_recompute(*, actor: User, use_case: UseCase) -> int:
    """Mark every period of the use case for recomputation and queue the roll-up job (outbox,
    after commit). Program managers and org admins. Returns how many periods were marked.

    Safe to repeat: marking is idempotent and the job rewrites only figures that changed.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.EDIT)
    marked = mark_from_samples([use_case.pk])
    outbox.enqueue(rollup_use_case, use_case.pk)
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="metrics.rollup.recompute",
        target=use_case,
        use_case=use_case,
        after={"periods_marked": marked},
    )
    return marked


@transaction.atomic
def rollup_failure_retry(*, actor: User, failure: RollupFailure) -> int:
    """Retry a failed roll-up now rather than when its backoff ends: hand its marks back (and
    mark every period of the use case's metric, in case some were settled since), set the
    retry as due, and queue the use case's roll-up (outbox, after commit). Org admins.
    Returns how many periods are marked.

    The failure row stays until a roll-up of that metric succeeds (the job deletes it); if the
    data still cannot be rolled up, the job records the new attempt and backs off again. Safe
    to repeat. Raises ValidationError when the roll-up has succeeded since (nothing to retry).
    The failure is updated after the marks, in the order the job settles them.
    """
    current = (
        RollupFailure.objects.select_related("use_case__organization", "metric")
        .filter(pk=failure.pk)
        .first()
    )
    if current is None:
        raise ValidationError("This roll-up has succeeded since: there is nothing to retry.")
    failure = current
    use_case = failure.use_case
    membership_of(actor, use_case.organization_id, perm=Perm.ADMINISTER)
    before = {"attempts": failure.attempts, "retry_at": failure.retry_at.isoformat()}
    now = timezone.now()
    marked = mark_from_samples([use_case.pk], metric_ids=[failure.metric_id])
    # Only the marks its backoff holds: a job computing the metric right now keeps its lease.
    DirtyPeriod.objects.filter(
        use_case_id=use_case.pk, metric_id=failure.metric_id, claimed_until=failure.retry_at
    ).update(claimed_until=None)
    RollupFailure.objects.filter(pk=failure.pk).update(retry_at=now)
    outbox.enqueue(rollup_use_case, use_case.pk)
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="metrics.rollup.retry",
        target=use_case,
        use_case=use_case,
        before=before,
        after={"metric": failure.metric.key, "periods_marked": marked, "retry_at": now.isoformat()},
    )
    return marked
