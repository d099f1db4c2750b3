"""Governance's part of search (selectors): checklist items, evidence text, incidents and their
updates, within one organization. See :mod:`readiness.search`."""

from __future__ import annotations

from governance.models import Evidence, GovernanceItem, Incident, IncidentUpdate
from readiness.models import Organization
from readiness.search import Hit, matching, snippet


def search(organization: Organization, query: str, limit: int = 20) -> list[Hit]:
    hits: list[Hit] = []
    items = matching(
        GovernanceItem.objects.filter(
            checklist__use_case__organization=organization
        ).select_related("checklist__use_case"),
        ["title", "guidance"],
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
        ["text", "filename", "url"],
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
        ["title", "description", "post_incident_review"],
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
        ["note"],
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
