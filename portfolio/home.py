"""Home: what needs me (selectors). Each queue says the truth to every role: how much waits,
whether the reader may act on it, and who may if they cannot.

A new organization also gets a short setup checklist that ticks itself from its records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from governance import selectors as governance
from governance.models import Evidence, GovernanceItem, ItemStatus
from metrics.models import ApiToken, MetricTarget
from portfolio import selectors as portfolio
from portfolio.rows import READY_NEXT_GATE, READY_TO_SCALE
from readiness import selectors as readiness
from readiness.models import Invitation, Membership, Notification, Perm, Role, UseCase, User
from readiness.services.comments import MENTION_KIND

LIST_LIMIT = 8


@dataclass(frozen=True)
class Entry:
    """One thing in a queue, and the page to act on it (URL name and arguments after the org)."""

    title: str
    detail: str
    use_case: str
    url_name: str
    url_args: tuple[Any, ...]
    anchor: str = ""
    late: bool = False
    due_date: dt.date | None = None
    url: str = ""  # a stored in-app link (a notification's) instead of url_name and url_args


@dataclass
class Queue:
    key: str
    title: str
    count: int
    note: str  # what the count means for this reader, in words
    entries: list[Entry] = field(default_factory=list)
    more: tuple[str, tuple[Any, ...]] | None = None  # the page listing all of them
    yours: bool = True  # the reader may act on it (else it only tells them who acts)


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    url_name: str
    hint: str


def _names(users: list[User]) -> str:
    names = [u.display_name for u in users]
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def review_queue(membership: Membership) -> Queue:
    organization, user = membership.organization, membership.user
    if membership.allows(Perm.SIGN_OFF):
        items = governance.review_queue(organization, user)
        count = items.count()
        mine = items.filter(assigned_reviewer=user).count()
        note = (
            f"{_plural(count, 'item awaits', 'items await')} your decision"
            + (f", {mine} assigned to you" if mine else "")
            + "."
            if count
            else "Nothing awaits your review."
        )
        rows = list(items[:LIST_LIMIT])
    else:
        count = GovernanceItem.objects.filter(
            checklist__use_case__organization=organization, status=ItemStatus.SUBMITTED
        ).count()
        reviewers = governance.reviewers_of(organization)
        who = (
            f"Reviewers: {_names(reviewers)}."
            if reviewers
            else "This organization has no governance reviewer yet"
            + (": invite one on the Members page." if membership.is_admin else ".")
        )
        note = (
            f"{_plural(count, 'item awaits', 'items await')} a governance reviewer's decision; "
            f"you are not a reviewer. {who}"
            if count
            else "Nothing awaits review."
        )
        rows = []
    return Queue(
        "review",
        "Awaiting review",
        count,
        note,
        [
            Entry(
                item.title,
                f"Phase {item.gate_phase} gate"
                + (
                    f" · assigned to {item.assigned_reviewer.display_name}"
                    if item.assigned_reviewer
                    else ""
                ),
                item.checklist.use_case.name,
                "governance_item",
                (item.pk,),
                due_date=item.due_date,
                late=bool(item.due_date and item.due_date < timezone.localdate()),
            )
            for item in rows
        ],
        more=("governance_queue", ()),
        yours=membership.allows(Perm.SIGN_OFF),
    )


def resubmit_queue(membership: Membership) -> Queue | None:
    """Rejected items on use cases the reader owns, or whose rejected evidence they sent."""
    if not membership.allows(Perm.GOVERN) or membership.role == Role.GOVERNANCE_REVIEWER:
        return None
    user = membership.user
    sent = Evidence.objects.filter(item__status=ItemStatus.REJECTED, submitted_by=user)
    items = (
        GovernanceItem.objects.filter(
            checklist__use_case__organization=membership.organization,
            status=ItemStatus.REJECTED,
        )
        .filter(Q(checklist__use_case__owner=user) | Q(pk__in=sent.values("item_id")))
        .select_related("checklist__use_case")
        .order_by("decided_at", "pk")
    )
    count = items.count()
    return Queue(
        "resubmit",
        "Evidence to resubmit",
        count,
        f"{_plural(count, 'item was', 'items were')} rejected: read the reviewer's reason and "
        "submit new evidence."
        if count
        else "No rejected item waits on you.",
        [
            Entry(
                item.title,
                f"Phase {item.gate_phase} gate · rejected",
                item.checklist.use_case.name,
                "governance_item",
                (item.pk,),
            )
            for item in items[:LIST_LIMIT]
        ],
    )


def due_queue(membership: Membership, today: dt.date) -> Queue:
    until = today + dt.timedelta(days=readiness.DUE_SOON_DAYS)
    org = Q(organization=membership.organization)
    total, late = readiness.due_count(org, today=today, until=until, owner_id=membership.user_id)
    first = readiness.due_open(
        org, today=today, until=until, owner_id=membership.user_id, limit=LIST_LIMIT
    )
    return Queue(
        "due",
        "Due soon and late",
        total,
        (
            f"{_plural(total, 'thing you own is', 'things you own are')} due by "
            f"{until:%-d %b}" + (f", {late} late" if late else "") + "."
        )
        if total
        else "Nothing you own is due in the next few days.",
        [
            Entry(
                d.title,
                d.where,
                d.use_case_name,
                d.page,
                (d.use_case_id,),
                anchor=d.anchor,
                late=d.late,
                due_date=d.due_date,
            )
            for d in first
        ],
    )


def mentions_queue(membership: Membership) -> Queue:
    """The reader's unread mentions in this organization's discussions, newest first; opening
    one (the comment's permalink) reads it."""
    unread = Notification.objects.filter(
        organization_id=membership.organization_id,
        recipient_id=membership.user_id,
        kind=MENTION_KIND,
        read_at__isnull=True,
    )
    count = unread.count()
    rows = list(unread.select_related("use_case").order_by("-created_at", "-pk")[:LIST_LIMIT])
    return Queue(
        "mentions",
        "Mentions",
        count,
        f"{_plural(count, 'comment mentions', 'comments mention')} you and "
        f"{'waits' if count == 1 else 'wait'} for your answer."
        if count
        else "Nobody has mentioned you in a discussion since you last looked.",
        [
            Entry(
                n.title,
                n.body,
                n.use_case.name if n.use_case else membership.organization.name,
                "",
                (),
                url=n.url,
            )
            for n in rows
        ],
    )


def _use_case_entries(ids: set[int], detail: str, url_name: str) -> list[Entry]:
    use_cases = UseCase.objects.filter(pk__in=ids).order_by("name")[:LIST_LIMIT]
    return [Entry(uc.name, detail, uc.team, url_name, (uc.pk,)) for uc in use_cases]


def gate_queue(membership: Membership, ready: dict[str, set[int]]) -> Queue:
    ids = ready[READY_NEXT_GATE]
    may = membership.allows(Perm.EDIT)
    if not ids:
        note = "No use case has everything its next gate asks for yet."
    elif may:
        note = (
            f"{_plural(len(ids), 'use case has', 'use cases have')} everything the next gate "
            f"asks for: {'move it on' if len(ids) == 1 else 'move them on'}."
        )
    else:
        note = (
            f"{_plural(len(ids), 'use case is', 'use cases are')} ready for the next gate; "
            "program managers and org admins move them."
        )
    return Queue(
        "gates",
        "Ready for the next gate",
        len(ids),
        note,
        _use_case_entries(ids, "Every blocker cleared", "usecase_timeline"),
        yours=may,
    )


def scale_queue(membership: Membership, ready: dict[str, set[int]]) -> Queue:
    ids = ready[READY_TO_SCALE]
    may = membership.allows(Perm.DECIDE_SCALE)
    if not ids:
        note = "No use case is ready to scale yet."
    elif may:
        note = f"{_plural(len(ids), 'use case awaits', 'use cases await')} your scale decision."
    else:
        note = (
            f"{_plural(len(ids), 'use case is', 'use cases are')} ready to scale; "
            "executives decide."
        )
    return Queue(
        "scale",
        "Ready to scale",
        len(ids),
        note,
        _use_case_entries(ids, "Evidence for all six questions", "usecase_scale"),
        yours=may,
    )


def queues(membership: Membership, today: dt.date | None = None) -> list[Queue]:
    """The reader's queues, the ones they act on first."""
    today = today or timezone.localdate()
    ready = portfolio.ready_ids(membership.organization, today)
    found = [
        review_queue(membership),
        resubmit_queue(membership),
        due_queue(membership, today),
        mentions_queue(membership),
        gate_queue(membership, ready),
        scale_queue(membership, ready),
    ]
    ordered = [q for q in found if q is not None]
    first = {
        Role.GOVERNANCE_REVIEWER: "review",
        Role.EXECUTIVE: "scale",
    }.get(Role(membership.role), "due")
    ordered.sort(key=lambda q: (q.key != first, q.count == 0))
    return ordered


def setup_steps(membership: Membership) -> list[Step]:
    """A new organization's first steps; each ticks itself when its record exists."""
    organization = membership.organization
    roles = set(organization.memberships.values_list("role", flat=True)) | set(
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        ).values_list("role", flat=True)
    )
    return [
        Step(
            "Invite a governance reviewer",
            Role.GOVERNANCE_REVIEWER in roles,
            "members",
            "Reviewers sign off the checklist items that gate each phase.",
        ),
        Step(
            "Invite an executive",
            Role.EXECUTIVE in roles,
            "members",
            "Executives decide whether a use case may scale.",
        ),
        Step(
            "Create a first use case",
            UseCase.objects.filter(organization=organization).exists(),
            "usecase_create",
            "Its 90-day plan, seven workstreams and checklist are made for you.",
        ),
        Step(
            "Set metric targets",
            MetricTarget.objects.filter(use_case__organization=organization).exists(),
            "usecase_list",
            "Open a use case's Targets page: the scorecards and gates judge against them.",
        ),
        Step(
            "Create an API token",
            ApiToken.objects.filter(organization=organization).exists(),
            "api_token_list",
            "Production systems send their metrics with it.",
        ),
    ]
