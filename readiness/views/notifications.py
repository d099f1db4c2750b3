"""The signed-in member's notifications in one organization, grouped by day and use case, and
which kinds are also emailed."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from readiness import services
from readiness.models import Notification
from readiness.notifications import KINDS, kind_label
from readiness.views.common import AuthedRequest, member_required

PAGE_SIZE = 50


def _groups(notes: list[Notification]) -> list[dict[str, Any]]:
    """Day by day (newest first), and within a day by use case in order of their newest."""
    days = []
    for day, of_day in itertools.groupby(
        notes, key=lambda n: timezone.localtime(n.created_at).date()
    ):
        by_use_case: dict[int | None, list[Notification]] = {}
        for note in of_day:
            by_use_case.setdefault(note.use_case_id, []).append(note)
        days.append(
            {
                "day": day,
                "use_cases": [
                    {
                        "use_case": group[0].use_case,
                        "notes": group,
                        "unread": sum(n.read_at is None for n in group),
                    }
                    for group in by_use_case.values()
                ],
            }
        )
    return days


@member_required()
def notification_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    unread_only = request.GET.get("state") == "unread"
    notes = Notification.objects.filter(
        organization=membership.organization, recipient=request.user
    ).select_related("use_case")
    if kind:
        notes = notes.filter(kind=kind)
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    for note in page.object_list:
        note.kind_label = kind_label(note.kind)
    return render(
        request,
        "readiness/notifications.html",
        {
            "org": org,
            "membership": membership,
            "page": page,
            "days": _groups(list(page.object_list)),
            "kinds": list(KINDS.items()),
            "kind": kind,
            "unread_only": unread_only,
            "filtered": bool(kind or unread_only),
            "nav": "notifications",
        },
    )


@member_required()
@require_POST
def notification_mark_read(request: AuthedRequest, org: str) -> HttpResponse:
    """Mark all unread read, or one use case's (``use_case``), then go back."""
    raw = request.POST.get("use_case", "")
    marked = services.notifications_mark_read(
        user=request.user,
        organization=request.membership.organization,
        use_case_id=int(raw) if raw.isdigit() and len(raw) < 12 else None,
    )
    messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked read.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
        return redirect(back)
    return redirect("notification_list", org=org)


@member_required()
def notification_settings(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    error = ""
    if request.method == "POST":
        try:
            services.notification_preferences_set(
                actor=request.user, organization=organization, email=request.POST.getlist("email")
            )
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            messages.success(request, "Your email preferences are saved.")
            return redirect("notification_settings", org=org)
    chosen = services.email_kinds(request.user, organization)
    return render(
        request,
        "readiness/notification_settings.html",
        {
            "org": org,
            "membership": membership,
            "organization": organization,
            "kinds": [(k, label, k in chosen) for k, label in KINDS.items()],
            "error": error,
            "nav": "notifications",
        },
        status=400 if error else 200,
    )
