"""For data migrations that set workstream facts on existing use cases (readiness's own, and
governance's, metrics' and adoption's, each in its own app's migration).

Works on a migration's historical models (``apps``); writes no audit records, as data
migrations do not: the items are set as the records already stood.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from readiness.facts import followed_status


def apply_facts(apps: Any, found: Mapping[int, Mapping[str, bool]]) -> int:
    """Set the fact-backed items of each use case id in ``found`` to its facts, then let the
    touched workstreams' status follow their items. Returns how many items changed."""
    ChecklistItem = apps.get_model("readiness", "ChecklistItem")
    Workstream = apps.get_model("readiness", "Workstream")
    keys = {key for facts in found.values() for key in facts}
    if not keys:
        return 0
    now = timezone.now()
    touched: set[int] = set()
    changed = 0
    items = ChecklistItem.objects.filter(
        fact__in=keys, workstream__use_case_id__in=list(found)
    ).values_list("pk", "fact", "done", "workstream_id", "workstream__use_case_id")
    for pk, fact, done, ws_id, uc_id in items:
        want = bool(found[uc_id].get(fact, done))
        if want == done:
            continue
        ChecklistItem.objects.filter(pk=pk).update(
            done=want, done_at=now if want else None, done_by=None
        )
        touched.add(ws_id)
        changed += 1
    counts = (
        ChecklistItem.objects.filter(workstream_id__in=touched)
        .values("workstream_id")
        .annotate(n=Count("pk"), d=Count("pk", filter=Q(done=True)))
        .order_by()
    )
    by_ws = {row["workstream_id"]: (row["d"], row["n"]) for row in counts}
    for ws in Workstream.objects.filter(pk__in=touched):
        done, total = by_ws.get(ws.pk, (0, 0))
        status = followed_status(ws.status, done, total)
        if status != ws.status:
            Workstream.objects.filter(pk=ws.pk).update(status=status)
    return changed
