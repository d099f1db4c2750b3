"""The signed-in member's notifications in one organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness import access
from readiness.models import Notification
from readiness.views.common import AuthedRequest


@login_required
def notification_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    notes = Notification.objects.filter(
        organization=membership.organization, recipient=request.user
    )
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "readiness/notifications.html",
        {"org": org, "membership": membership, "page": page, "nav": "notifications"},
    )


@login_required
@require_POST
def notification_mark_read(request: AuthedRequest, org: str) -> HttpResponse:
    # Read receipts are the member's own view state, not a change to the program's data,
    # so they are not written to the audit trail.
    membership = access.membership_for(request.user, org)
    Notification.objects.filter(
        organization=membership.organization, recipient=request.user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return redirect("notification_list", org=org)
