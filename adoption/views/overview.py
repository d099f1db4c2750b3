"""A use case's adoption tab: cohorts with training progress, the current usage boundaries,
the iteration log and the weekly feedback trend."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from adoption import selectors
from adoption.views.common import page_context
from readiness import access
from readiness.views.common import AuthedRequest, member_required


@member_required()
def usecase_adoption(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Cohorts with training progress, the current usage boundaries, the iteration log and the
    weekly feedback trend of one use case."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    versions = selectors.boundary_versions(use_case)
    current = versions[0] if versions else None
    go_live = selectors.first_go_live(use_case)
    cohorts = selectors.cohorts_with_people(use_case)
    context = page_context(
        membership,
        use_case,
        cohorts=cohorts,
        my_live_cohort=next(
            (c for c in cohorts if c.is_live and request.user in c.members.all()), None
        ),
        current_boundary=current,
        boundary_count=len(versions),
        my_ack=selectors.acknowledged(request.user, current),
        first_go_live=go_live,
        entries=selectors.iteration_log(use_case, go_live),
        **selectors.trend_context(use_case),
    )
    return render(request, "adoption/usecase.html", context)
