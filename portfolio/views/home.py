"""Home: each member lands on what needs them in this organization."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from portfolio import home
from readiness.views.common import AuthedRequest, member_required


@member_required()
def home_page(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    queues = home.queues(membership)
    steps = home.setup_steps(membership) if membership.is_admin else []
    return render(
        request,
        "portfolio/home.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "home",
            "queues": queues,
            "steps": steps,
            "steps_left": sum(not s.done for s in steps),
            # Only what the reader may act on: a viewer's queues tell them who acts instead.
            "waiting": sum(q.count for q in queues if q.yours and q.entries),
        },
    )
