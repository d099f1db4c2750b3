"""The executive app's demo data: a past scale decision, taken as an executive would, and an
inbox that reads like a week of work."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from portfolio.models import ScaleDecision
from portfolio.services.scale import scale_decide
from readiness.errors import GateRefused
from readiness.models import Notification, Organization, Role, UseCase, UseCaseStatus, User

SCALED_USE_CASE = "Customer email drafting"


def seed_scale_decisions(org: Organization, users: dict[Role, User], stdout: Any = None) -> None:
    """Scale ``SCALED_USE_CASE`` through the executive's decision, once."""
    """Scale ``SCALED_USE_CASE`` through the executive's decision, once."""
    executive = users[Role.EXECUTIVE]
    use_case = UseCase.objects.filter(organization=org, name=SCALED_USE_CASE).first()
    if use_case is None or ScaleDecision.objects.filter(use_case=use_case).exists():
        return
    if use_case.status != UseCaseStatus.PRODUCTION:
        return
    try:
        scale_decide(
            actor=executive,
            use_case=use_case,
            outcome="approved",
            rationale="Reply time fell from a day to under two hours for three months with "
            "no rise in complaints; the customer-service director owns the rollout budget.",
        )
    except GateRefused as refused:
        # Left in production, and said plainly: the demo still has every other verdict.
        if stdout is not None:
            stdout.write(
                f"{use_case.name} was not scaled: " + "; ".join(b.message for b in refused.blockers)
            )


def spread_notifications(org: Organization, now: dt.datetime | None = None) -> int:
    """The demo's notifications were all made in the minute it was seeded; spread each member's
    over the last seven days' working hours, in the order they were made, and mark those older
    than two days read, so the inbox reads like a week of real work. Returns how many moved."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=7)
    moved = 0
    by_member: dict[int, list[Notification]] = {}
    for note in Notification.objects.filter(organization=org).order_by("pk"):
        by_member.setdefault(note.recipient_id, []).append(note)
    for notes in by_member.values():
        for i, note in enumerate(notes):
            at = start + (now - start) * (i + 1) / (len(notes) + 1)
            at = at.replace(hour=8 + (i * 3) % 10, minute=(i * 17) % 60)  # working hours
            note.created_at = min(at, now)
            note.read_at = note.created_at if now - note.created_at > dt.timedelta(days=2) else None
        Notification.objects.bulk_update(notes, ["created_at", "read_at"])
        moved += len(notes)
    return moved
