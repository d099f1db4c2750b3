"""Evidence past its expiry: marked expired in bounded batches, its items sent back to review
(the hourly job; idempotent)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from governance.models import (
    Evidence,
    GovernanceItem,
)
from governance.services.items import _after_evidence_change, _audit
from governance.workstream_facts import facts_push_many
from readiness import events
from readiness.audit import audit_at_end


def evidence_expire_due(*, today: dt.date | None = None, batch_size: int = 200) -> int:
    """Mark one batch of evidence past its expiry as expired and send its items back to review.

    Idempotent: evidence already marked is never picked again. Items are locked in primary-key
    order. Returns how many pieces of evidence were marked (0 when nothing is due).
    """
    today = today or timezone.localdate()
    with transaction.atomic(), audit_at_end():  # every item changed first, then the records
        due = list(
            Evidence.objects.filter(
                expires_on__lt=today, expired_at__isnull=True, withdrawn_at__isnull=True
            )
            .order_by("item_id", "pk")
            .values_list("pk", "item_id")[:batch_size]
        )
        if not due:
            return 0
        item_ids = sorted({item_id for _, item_id in due})
        items = {
            i.pk: i
            for i in GovernanceItem.objects.select_for_update(of=("self",), no_key=True)
            .select_related("checklist__use_case__organization")
            .filter(pk__in=item_ids)
            .order_by("pk")
        }
        now = timezone.now()
        marked = Evidence.objects.filter(
            pk__in=[pk for pk, _ in due], expired_at__isnull=True
        ).update(expired_at=now)
        moved: set[int] = set()
        for item_id in item_ids:
            item = items[item_id]
            before = item.status
            _after_evidence_change(item, "Evidence expired; review it again.", today)
            if item.status != before:
                moved.add(item.checklist.use_case_id)
                _audit(
                    None,
                    item,
                    "governance.evidence_expired",
                    before={"status": before},
                    after={"status": item.status},
                )
        facts_push_many(use_case_ids=moved)
        # Expired evidence counts for readiness even where its item kept its status.
        events.publish(
            events.UseCasesChanged(
                organization_id=None,
                use_case_ids=tuple(sorted({i.checklist.use_case_id for i in items.values()})),
                action="governance.evidence_expired",
            )
        )
    return marked


def evidence_expire(
    *, today: dt.date | None = None, batch_size: int = 200, max_batches: int = 50
) -> int:
    """Run :func:`evidence_expire_due` batch after batch until one comes back short, at most
    ``max_batches`` (the hourly job's bound). Each batch is its own transaction and marks what
    it handled, so running twice, or concurrently, never handles a piece of evidence twice.
    Returns how many pieces were marked in all."""
    total = 0
    for _ in range(max_batches):
        marked = evidence_expire_due(today=today, batch_size=batch_size)
        total += marked
        if marked < batch_size:
            break
    return total
