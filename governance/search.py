"""Governance's part of search (selectors): checklist items, evidence text, incidents and their
updates, within one organization. See :mod:`readiness.search`."""

from __future__ import annotations

from django.db.models import Model

from governance.models import Evidence, GovernanceItem, Incident, IncidentUpdate
from readiness.models import Organization
from readiness.search import Hit, matching, snippet

# The fields each model is searched on; on PostgreSQL each list has a GIN index on exactly the
# vector readiness.search.matching builds (migration governance 0006): change both together.
ITEM_FIELDS = ["title", "guidance"]
EVIDENCE_FIELDS = ["text", "filename", "url"]
INCIDENT_FIELDS = ["title", "description", "post_incident_review"]
UPDATE_FIELDS = ["note"]
SEARCHED: list[tuple[type[Model], list[str]]] = [
    (GovernanceItem, ITEM_FIELDS),
    (Evidence, EVIDENCE_FIELDS),
    (Incident, INCIDENT_FIELDS),
    (IncidentUpdate, UPDATE_FIELDS),
]


def search(organization: Organization, query: str, limit: int = 20) -> list[Hit]:
    hits: list[Hit] = []
    items = matching(
        GovernanceItem.objects.filter(
            checklist__use_case__organization=organization
        ).select_related("checklist__use_case"),
        ITEM_FIELDS,
        query,
    )[:limit]
    for item in items:
        hits.append(
            Hit(
                "Checklist item",
                item.title,
                f"{item.get_status_display()}. " + snippet(item.guidance, query),
                item.checklist.use_case.name,
                "governance_item",
                (item.pk,),
            )
        )
    evidence = matching(
        Evidence.objects.filter(
            item__checklist__use_case__organization=organization
        ).select_related("item__checklist__use_case"),
        EVIDENCE_FIELDS,
        query,
    )[:limit]
    for e in evidence:
        hits.append(
            Hit(
                "Evidence",
                f"Evidence for “{e.item.title}”",
                snippet(e.text or e.filename, query),
                e.item.checklist.use_case.name,
                "governance_item",
                (e.item.pk,),
            )
        )
    incidents = matching(
        Incident.objects.filter(use_case__organization=organization).select_related("use_case"),
        INCIDENT_FIELDS,
        query,
    )[:limit]
    for incident in incidents:
        hits.append(
            Hit(
                "Incident",
                incident.title,
                f"{incident.get_severity_display()}, {incident.get_status_display()}. "
                + snippet(incident.description, query),
                incident.use_case.name,
                "governance_incident",
                (incident.pk,),
            )
        )
    updates = matching(
        IncidentUpdate.objects.filter(incident__use_case__organization=organization).select_related(
            "incident__use_case"
        ),
        UPDATE_FIELDS,
        query,
    )[:limit]
    for update in updates:
        hits.append(
            Hit(
                "Incident update",
                f"Update on “{update.incident.title}”",
                snippet(update.note, query),
                update.incident.use_case.name,
                "governance_incident",
                (update.incident_id,),
            )
        )
    return hits
