"""On-demand recompute of a use case's roll-ups."""

from __future__ import annotations

from django.db import transaction

from metrics import rollups
from readiness.access import WRITE, membership_of
from readiness.audit import audit_record
from readiness.models import UseCase, User


@transaction.atomic
def rollup_recompute(*, actor: User, use_case: UseCase) -> int:
    """Mark every period of the use case for recomputation and queue the roll-up job after
    commit. Program managers and org admins. Returns how many periods were marked.

    Safe to repeat: marking is idempotent and the job rewrites only figures that changed.
    """
    membership_of(actor, use_case.organization_id, predicate=WRITE)
    marked = rollups.mark_from_samples([use_case.pk])
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="metrics.rollup.recompute",
        target=use_case,
        use_case=use_case,
        after={"periods_marked": marked},
    )
    from metrics.tasks import rollup_use_case

    use_case_id = use_case.pk
    transaction.on_commit(lambda: rollup_use_case.delay(use_case_id))
    return marked
