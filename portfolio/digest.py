"""The weekly executive digest: what moved, what is blocked, what awaits a decision.

:func:`build_digest` reads (the audit trail for what moved, the portfolio selector for the rest)
and returns plain data; :func:`portfolio.services.digest.digest_send` emails it to the
organization's executives once per ISO week and records the sending in the audit trail (action
``digest.sent``, with the week), which is what makes a second run in the same week send nothing.
Celery beat runs it on Mondays (``portfolio.tasks.send_weekly_digest``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portfolio.models import ScaleOutcome
from portfolio.rows import PILOT_MODE, READY_TO_SCALE
from portfolio.selectors import portfolio_rows
from readiness.models import AuditEvent, Organization, UseCaseStatus

PERIOD = dt.timedelta(days=7)
TOP_BLOCKERS = 3
MOVED_ACTIONS = ("gate.passed", "scale.decided")


@dataclass(frozen=True)
class Moved:
    use_case: str
    url: str
    text: str
    at: dt.datetime
    actor: str


@dataclass(frozen=True)
class Blocked:
    use_case: str
    url: str
    stage: str
    count: int
    top: list[str]


@dataclass(frozen=True)
class Awaiting:
    use_case: str
    url: str
    score: int
    note: str


@dataclass
class Digest:
    organization: Organization
    week: str  # ISO week, e.g. "2026-W48"
    since: dt.datetime
    until: dt.datetime
    moved: list[Moved] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    awaiting: list[Awaiting] = field(default_factory=list)
    top_blockers: list[tuple[str, int]] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return (
            f"[{self.organization.name}] Weekly AI portfolio: {len(self.moved)} moved, "
            f"{len(self.blocked)} blocked, {len(self.awaiting)} awaiting your decision"
        )

    @property
    def blocker_total(self) -> int:
        return sum(b.count for b in self.blocked)


def iso_week(moment: dt.datetime) -> str:
    year, week, _ = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def site_link(path: str) -> str:
    """An absolute link for an email."""
    return f"{settings.SITE_URL}{path}"


TARGET_WORDS = {"phase:2": "phase 2", "phase:3": "phase 3", "production": "production"}
OUTCOME_WORDS = {
    ScaleOutcome.APPROVED: "scale approved",
    ScaleOutcome.DECLINED: "scale declined",
    ScaleOutcome.DEFERRED: "scale decision deferred",
}


def _moved_text(event: AuditEvent) -> str:
    after: dict[str, Any] = event.after or {}
    if event.action == "gate.passed":
        target = str(after.get("target", ""))
        return f"passed the gate to {TARGET_WORDS.get(target, target.replace(':', ' '))}"
    outcome = after.get("outcome", "")
    text = OUTCOME_WORDS.get(outcome, f"scale decision: {outcome}")
    if after.get("rationale"):
        text += f": {after['rationale']}"
    return text


def build_digest(organization: Organization, *, now: dt.datetime | None = None) -> Digest:
    """The digest for the seven days up to ``now``. A constant number of queries."""
    now = now or timezone.now()
    since = now - PERIOD
    digest = Digest(organization, iso_week(now), since, now)
    events = (
        AuditEvent.objects.filter(
            organization=organization,
            action__in=MOVED_ACTIONS,
            created_at__gte=since,
            created_at__lte=now,
            use_case__isnull=False,
        )
        .select_related("use_case")
        .order_by("created_at", "id")
    )
    for event in events:
        assert event.use_case is not None
        path = reverse("usecase_detail", kwargs={"org": organization.slug, "pk": event.use_case_id})
        digest.moved.append(
            Moved(
                event.use_case.name,
                site_link(path),
                _moved_text(event),
                event.created_at,
                event.actor_label,
            )
        )

    rows = portfolio_rows(organization, page=None, today=timezone.localdate(now)).rows
    codes: Counter[str] = Counter()
    for row in rows:
        # Blocked: the next gate has blockers or, in production, a scale question is flagged.
        if row.verdict == PILOT_MODE and row.reasons:
            digest.blocked.append(
                Blocked(
                    row.use_case.name,
                    site_link(row.url),
                    row.stage_label,
                    len(row.reasons),
                    [r.text for r in row.reasons[:TOP_BLOCKERS]],
                )
            )
            codes.update(_kind(b.code) for b in row.blockers)
            codes.update("Scale question not answered" for r in row.reasons if r.kind == "answer")
        if row.verdict == READY_TO_SCALE and row.use_case.status == UseCaseStatus.PRODUCTION:
            last = row.last_decision
            if last is None:
                note = "No scale decision yet."
            elif last.outcome == ScaleOutcome.DEFERRED and (
                last.revisit_on is None or last.revisit_on <= timezone.localdate(now)
            ):
                note = f"Deferred on {last.decided_at:%-d %b %Y}; due to be taken up again."
            else:
                continue  # decided (declined, or deferred to a later date): not awaiting
            digest.awaiting.append(
                Awaiting(row.use_case.name, site_link(row.scale_url), row.score.total, note)
            )
    digest.blocked.sort(key=lambda b: (-b.count, b.use_case))
    digest.top_blockers = codes.most_common(TOP_BLOCKERS)
    return digest


def _kind(code: str) -> str:
    """A blocker code in words, for the "most common blockers" line."""
    return code.replace("_", " ").replace(".", " ").strip().capitalize()
