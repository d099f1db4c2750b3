"""Across the organization: one search box over every app's records, and the activity feed."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from governance import search as governance_search
from portfolio import activity
from readiness import search as readiness_search
from readiness.audit.display import audit_changes, humanise_action
from readiness.views.common import AuthedRequest, member_required

ACTIVITY_PAGE = 50
HITS_PER_APP = 25


@member_required()
def search(request: AuthedRequest, org: str) -> HttpResponse:
    """Use cases, workstream items, exit criteria, checklist items, evidence, incidents and
    comments of this organization whose words match the query."""
    membership = request.membership
    query = readiness_search.clean(request.GET.get("q", ""))
    hits = []
    if query:
        for source in (readiness_search, governance_search):
            hits += source.search(membership.organization, query, limit=HITS_PER_APP)
    rows = [{"hit": h, "url": reverse(h.url_name, args=(org, *h.url_args))} for h in hits]
    kinds: dict[str, int] = {}
    for h in hits:
        kinds[h.kind] = kinds.get(h.kind, 0) + 1
    return render(
        request,
        "portfolio/search.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "search",
            "query": query,
            "rows": rows,
            "kinds": kinds,
            "limit": HITS_PER_APP,
        },
    )


@member_required()
def activity_feed(request: AuthedRequest, org: str) -> HttpResponse:
    """Everything that happened in the organization, newest first, filterable."""
    membership = request.membership
    filters = activity.parse_filters(request.GET.dict())
    page = Paginator(activity.feed(membership, filters), ACTIVITY_PAGE).get_page(
        request.GET.get("page")
    )
    for event in page:
        event.label = humanise_action(event.action)  # type: ignore[attr-defined]
        event.changes = audit_changes(event)  # type: ignore[attr-defined]
        event.kind_label = activity.kind_label(activity.kind_of(event.action))  # type: ignore[attr-defined]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "portfolio/activity.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "activity",
            "page": page,
            "filters": filters,
            "choices": activity.choices(membership),
            "filtered": any([filters.use_case, filters.person, filters.kind]),
            "query": params.urlencode(),
        },
    )
