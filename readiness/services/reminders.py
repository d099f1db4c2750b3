"""The daily reminder of due dates: each owner hears of their workstreams, workstream items and
exit criteria that are due soon or late, once per thing and day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from readiness import selectors
from readiness.models import DueReminder, DueState, Organization, User
from readiness.notifications import notify
from readiness.selectors import Due


def _line(due: Due) -> str:
    when = (
        f"Late since {date_format(due.due_date, 'j M')}"
        if due.late
        else f"Due {date_format(due.due_date, 'j M')}"
    )
    what = due.title if due.kind == "workstream" else f"“{due.title}” ({due.where})"
    tail = " It ticks itself from its record: update the record." if due.fact else ""
    return f"- {when}: {what}.{tail}"


def _title(use_case_name: str, dues: list[Due]) -> str:
    late = sum(1 for d in dues if d.late)
    soon = len(dues) - late
    parts = [f"{late} late"] if late else []
    if soon:
        parts.append(f"{soon} due soon")
    return f"{use_case_name}: {' and '.join(parts)}"


def _remind_organization(organization_id: int, today: dt.date, until: dt.date) -> int:
    """One organization's reminders, in one transaction; returns notifications sent."""
    with transaction.atomic():
        # Two runs at once (a retried task, a second beat) take turns on the organization row;
        # the second then finds today's reminders and sends nothing.
        organization = Organization.objects.select_for_update(of=("self",)).get(pk=organization_id)
        dues = [
            d
            for d in selectors.due_open(
                Q(organization_id=organization_id), today=today, until=until
            )
            if d.owner_id is not None
        ]
        if not dues:
            return 0
        sent_today = DueReminder.objects.filter(organization_id=organization_id, day=today)
        done_ws = set(
            sent_today.filter(workstream__isnull=False).values_list("workstream_id", flat=True)
        )
        done_items = set(sent_today.filter(item__isnull=False).values_list("item_id", flat=True))
        fresh = [
            d
            for d in dues
            if (d.pk not in done_ws if d.kind == "workstream" else d.pk not in done_items)
        ]
        if not fresh:
            return 0
        DueReminder.objects.bulk_create(
            DueReminder(
                organization_id=organization_id,
                use_case_id=d.use_case_id,
                workstream_id=d.pk if d.kind == "workstream" else None,
                item_id=None if d.kind == "workstream" else d.pk,
                recipient_id=owner_id,
                day=today,
                state=DueState.LATE if d.late else DueState.SOON,
                due_date=d.due_date,
            )
            for d in fresh
            if (owner_id := d.owner_id) is not None
        )
        groups: dict[tuple[int, int], list[Due]] = defaultdict(list)
        for d in fresh:
            assert d.owner_id is not None
            groups[(d.owner_id, d.use_case_id)].append(d)
        people = User.objects.in_bulk([owner for owner, _ in groups])
        sent = 0
        for (owner_id, use_case_id), items in sorted(groups.items()):
            owner = people.get(owner_id)
            if owner is None or not owner.is_active:
                continue
            url = reverse("usecase_detail", kwargs={"org": organization.slug, "pk": use_case_id})
            notify(
                organization=organization,
                use_case_id=use_case_id,
                recipients=[owner],
                kind="due.reminder",
                title=_title(items[0].use_case_name, items),
                body="You own these:\n" + "\n".join(_line(d) for d in items),
                url=f"{url}#due",
            )
            sent += 1
        return sent


def due_reminders_send(*, today: dt.date | None = None, soon_days: int | None = None) -> int:
    """Remind owners of what is due within ``soon_days`` (default
    :data:`readiness.selectors.DUE_SOON_DAYS`) and of what is late: one notification per owner
    and use case, listing each open workstream, workstream item and exit criterion once per day.

    Idempotent per day: what was reminded today (a :class:`DueReminder` row) is not reminded
    again, so a second run on the same day sends nothing; tomorrow the late ones are reminded
    again. Organizations are handled one at a time in primary-key order, each in its own
    transaction. Returns how many notifications were sent.
    """
    today = today or timezone.localdate()
    days = selectors.DUE_SOON_DAYS if soon_days is None else soon_days
    until = today + dt.timedelta(days=days)
    sent = 0
    for organization_id in Organization.objects.order_by("pk").values_list("pk", flat=True):
        sent += _remind_organization(organization_id, today, until)
    return sent
