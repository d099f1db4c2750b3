"""The Governance workstream's items follow governance's records.

Each control area of the checklist (data handling, model and provider, logging, retention and
redaction, human oversight, incident escalation) ticks its workstream item when the area has
items for the gates reached so far (the gate in front of a use case in its 90-day plan and the
ones it passed; every gate once it left the plan) and every required one of them is approved
or not applicable (with only optional items in reach, one of them done). So the item follows
the work at hand: with its phase 1 items approved, "Data classification and handling rules
agreed" is ticked in phase 1, and may untick when phase 2 brings new items in reach, as the
gate check does. "Model and provider approved" also needs the policy's model approved in the
registry for its data classification and unexpired.

Governance's services call :func:`facts_push` inside their transaction after any change that
may move these facts (evidence, sign-offs, not applicable, re-reviews, a checklist applied, the
policy, the registry) and when a gate passes (readiness's GatePassed event); the daily
:func:`facts_sync_expired` catches registry approvals that expired with the calendar.
:func:`governance_facts` is the pure rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import (
    DONE_STATUSES,
    ApprovedModel,
    ControlArea,
    GovernanceItem,
    UseCasePolicy,
)
from governance.selectors import registry_states
from readiness import events
from readiness.audit import audit_at_end
from readiness.facts import Fact, Source
from readiness.models import ChecklistItem, UseCase
from readiness.services import workstream_facts_refresh

AREA_FACTS: dict[str, Fact] = {
    ControlArea.DATA_HANDLING: Fact.GOV_DATA_HANDLING,
    ControlArea.MODEL_PROVIDER: Fact.GOV_MODEL_APPROVED,
    ControlArea.LOGGING: Fact.GOV_LOGGING,
    ControlArea.RETENTION: Fact.GOV_RETENTION,
    ControlArea.OVERSIGHT: Fact.GOV_OVERSIGHT,
    ControlArea.INCIDENTS: Fact.GOV_INCIDENTS,
}
DONE = tuple(str(s) for s in DONE_STATUSES)


def reached_gate(current_phase: int, in_plan: bool) -> int:
    """The last gate whose items count: the one in front of a use case in its plan, else 3."""
    return current_phase if in_plan else 3


def governance_facts(
    items: Iterable[tuple[str, bool, str, int]], registry_ok: bool, reached: int = 3
) -> dict[Fact, bool]:
    """The six facts from the checklist's items, as (area, required, status, gate phase), the
    last gate reached and whether the policy's model is approved in the registry. Pure."""
    by_area: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for area, required, status, gate in items:
        if gate <= reached:
            by_area[str(area)].append((bool(required), str(status)))

    def settled(area: str) -> bool:
        rows = by_area.get(area, [])
        required = [status for needed, status in rows if needed]
        if required:
            return all(status in DONE for status in required)
        return any(status in DONE for _, status in rows)

    found = {fact: settled(area) for area, fact in AREA_FACTS.items()}
    found[Fact.GOV_MODEL_APPROVED] = found[Fact.GOV_MODEL_APPROVED] and registry_ok
    return found


def facts_many(
    use_cases: Sequence[UseCase], today: dt.date | None = None
) -> dict[int, dict[Fact, bool]]:
    """The facts of many use cases in three queries (items, policies, registry)."""
    rows: dict[int, list[tuple[str, bool, str, int]]] = defaultdict(list)
    for uc_id, area, required, status, gate in GovernanceItem.objects.filter(
        checklist__use_case__in=[uc.pk for uc in use_cases]
    ).values_list("checklist__use_case_id", "area", "required", "status", "gate_phase"):
        rows[uc_id].append((area, required, status, gate))
    states = registry_states(use_cases, today)
    return {
        uc.pk: governance_facts(
            rows.get(uc.pk, []),
            states[uc.pk][1] == "ok",
            reached_gate(uc.current_phase, uc.is_in_plan),
        )
        for uc in use_cases
    }


def facts_push(*, use_case: UseCase, actor: Any = None) -> int:
    """Bring the use case's Governance workstream items in line with governance's records, in
    the caller's transaction. Returns how many items changed."""
    # The caller's instance may be stale (a transition elsewhere moved the use case on).
    use_case = UseCase.objects.select_related("organization").get(pk=use_case.pk)
    found = facts_many([use_case])[use_case.pk]
    return workstream_facts_refresh(
        use_case=use_case, source=Source.GOVERNANCE, facts=found, actor=actor
    )


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def facts_push_many(*, use_case_ids: Iterable[int], actor: Any = None) -> int:
    """:func:`facts_push` for several use cases (in primary-key order)."""
    use_cases = list(
        UseCase.objects.filter(pk__in=set(use_case_ids))
        .select_related("organization")
        .order_by("pk")
    )
    if not use_cases:
        return 0
    found = facts_many(use_cases)
    return sum(
        workstream_facts_refresh(
            use_case=uc, source=Source.GOVERNANCE, facts=found[uc.pk], actor=actor
        )
        for uc in use_cases
    )


def facts_push_for_model(*, entry: ApprovedModel, before: dict[str, Any], actor: Any = None) -> int:
    """A registry entry was added or changed: the use cases whose policy names its model (as it
    is now, or as it was) follow."""
    names = {
        (entry.provider, entry.model_name),
        (before.get("provider") or "", before.get("model_name") or ""),
    }
    match = Q(pk__in=[])
    for provider, model in names:
        if model:
            match |= Q(provider__iexact=provider.strip(), model_name__iexact=model.strip())
    ids = UseCasePolicy.objects.filter(
        match, use_case__organization_id=entry.organization_id
    ).values_list("use_case_id", flat=True)
    return facts_push_many(use_case_ids=list(ids), actor=actor)


def on_gate_passed(event: events.GatePassed) -> None:
    """Subscribed to readiness's gate passes: the next gate's items come in reach."""
    facts_push(use_case=event.use_case, actor=event.actor)


def facts_sync_expired(*, today: dt.date | None = None, batch_size: int = 200) -> int:
    """Daily: untick "Model and provider approved" where the registry approval it rests on has
    expired since. Only use cases whose item is ticked are looked at, in bounded batches in
    primary-key order; running it twice changes nothing the second time. Returns how many items
    changed."""
    today = today or timezone.localdate()
    ticked = (
        ChecklistItem.objects.filter(fact=Fact.GOV_MODEL_APPROVED, done=True)
        .values_list("workstream__use_case_id", flat=True)
        .order_by("workstream__use_case_id")
    )
    ids = list(dict.fromkeys(ticked))
    changed = 0
    for start in range(0, len(ids), batch_size):
        batch = list(
            UseCase.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("organization")
            .order_by("pk")
        )
        states = registry_states(batch, today)
        stale = [uc.pk for uc in batch if states[uc.pk][1] != "ok"]
        if stale:
            with transaction.atomic():
                changed += facts_push_many(use_case_ids=stale)
    return changed
