"""Governance's records that have a discussion thread: checklist items and incidents.

Registered with readiness's target registry (:mod:`readiness.discussion`) from
``GovernanceConfig.ready``, so the thread's pages and API, which live in readiness, find them
through governance's own access functions (another organization's record is a 404)."""

from __future__ import annotations

from django.urls import reverse

from governance import access
from governance.models import GovernanceItem, Incident
from readiness.discussion import Target, register_target


def register() -> None:
    register_target(
        Target(
            key="governance_item",
            label="checklist item",
            model=GovernanceItem,
            access=lambda who, pk: access.access_item(who, pk),
            use_case_of=lambda item: item.checklist.use_case,
            title_of=lambda item: f"“{item.title}”",
            url_of=lambda item, org: reverse("governance_item", kwargs={"org": org, "pk": item.pk}),
        )
    )
    register_target(
        Target(
            key="incident",
            label="incident",
            model=Incident,
            access=lambda who, pk: access.access_incident(who, pk),
            use_case_of=lambda incident: incident.use_case,
            title_of=lambda incident: f"incident “{incident.title}”",
            url_of=lambda incident, org: reverse(
                "governance_incident", kwargs={"org": org, "pk": incident.pk}
            ),
        )
    )
