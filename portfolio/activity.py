"""The organization's activity feed (selectors): its audit trail, newest first, narrowed by use
case, person and kind. Members see what happened on use cases; org admins also see the
organization's own settings (members, tokens, templates, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from readiness.models import AuditEvent, Membership, UseCase

KIND_LABELS = {
    "use_case": "Use cases",
    "spec": "Behavior specs",
    "workstream": "Workstreams",
    "workstream_item": "Workstream items",
    "exit_criterion": "Exit criteria",
    "phase": "Phases and gates",
    "integration": "Integrations",
    "governance": "Governance",
    "evidence": "Evidence",
    "incident": "Incidents",
    "metric": "Metrics and targets",
    "metrics": "Metrics and targets",
    "adoption": "Adoption",
    "scale": "Scale decisions",
    "comment": "Comments",
}


@dataclass(frozen=True)
class Filters:
    use_case: int | None
    person: int | None
    kind: str


def kind_of(action: str) -> str:
    return action.split(".", 1)[0]


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def parse_filters(params: dict[str, str]) -> Filters:
    """Filters from the query string; anything malformed is ignored (the feed is unfiltered)."""

    def number(name: str) -> int | None:
        raw = (params.get(name) or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    kind = (params.get("kind") or "").strip()
    return Filters(number("use_case"), number("person"), kind if kind.isidentifier() else "")


def feed(membership: Membership, filters: Filters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(organization_id=membership.organization_id)
    if not membership.is_admin:
        events = events.filter(use_case__isnull=False)
    if filters.use_case:
        events = events.filter(use_case_id=filters.use_case)
    if filters.person:
        events = events.filter(actor_id=filters.person)
    if filters.kind:
        events = events.filter(action__startswith=f"{filters.kind}.")
    return events.select_related("use_case").order_by("-sequence")


def choices(membership: Membership) -> dict[str, list[tuple[str, str]]]:
    """The options of the three filters: the organization's use cases, the people who did
    something, and the kinds of things recorded (three small queries)."""
    visible = feed(membership, Filters(None, None, ""))
    use_cases = [
        (str(pk), name)
        for pk, name in UseCase.objects.filter(organization_id=membership.organization_id)
        .order_by("name")
        .values_list("pk", "name")
    ]
    people = sorted(
        {
            (str(actor_id), label)
            for actor_id, label in visible.filter(actor_id__isnull=False)
            .order_by()
            .values_list("actor_id", "actor_label")
            .distinct()
        },
        key=lambda p: p[1].lower(),
    )
    kinds = sorted(
        {kind_of(a) for a in visible.order_by().values_list("action", flat=True).distinct()},
        key=kind_label,
    )
    return {
        "use_case": use_cases,
        "person": list(dict(people).items()),
        "kind": [(k, kind_label(k)) for k in kinds],
    }
