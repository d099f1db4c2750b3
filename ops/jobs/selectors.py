"""What the background-jobs page shows, read from the apps that own each job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max

from metrics import selectors as metrics_selectors
from metrics.models import CsvUpload, RollupFailure
from metrics.selectors import OrgRollupBacklog
from readiness.models import AuditEvent, DueReminder, Organization
from webhooks import selectors as webhooks_selectors
from webhooks.models import Delivery

DIGEST_ACTION = "digest.sent"


@dataclass(frozen=True)
class LastRuns:
    """When the organization's periodic emails last went out (None: never)."""

    reminder_sent_at: dt.datetime | None
    digest_sent_at: dt.datetime | None
    digest_week: str


@dataclass(frozen=True)
class JobsOverview:
    rollups: OrgRollupBacklog
    rollup_failures: list[RollupFailure]
    uploads: list[CsvUpload]
    deliveries: Sequence[Delivery]
    delivery_counts: dict[str, int]
    last_runs: LastRuns

    @property
    def stuck_uploads(self) -> int:
        return sum(1 for u in self.uploads if getattr(u, "is_stuck", False))

    @property
    def running_uploads(self) -> int:
        return sum(1 for u in self.uploads if not u.is_finished)


def last_runs(organization: Organization) -> LastRuns:
    reminded = DueReminder.objects.filter(organization=organization).aggregate(at=Max("sent_at"))
    digest = (
        AuditEvent.objects.filter(organization=organization, action=DIGEST_ACTION)
        .order_by("-id")
        .values("created_at", "after")
        .first()
    )
    week = ""
    if digest and isinstance(digest["after"], dict):
        week = str(digest["after"].get("week") or "")
    return LastRuns(
        reminder_sent_at=reminded["at"],
        digest_sent_at=digest["created_at"] if digest else None,
        digest_week=week,
    )


def jobs_overview(organization: Organization) -> JobsOverview:
    """Everything the page shows, in a fixed number of queries whatever the backlog."""
    return JobsOverview(
        rollups=metrics_selectors.org_rollup_backlog(organization),
        rollup_failures=list(metrics_selectors.org_rollup_failures(organization)),
        uploads=metrics_selectors.org_uploads_for_jobs(organization),
        deliveries=webhooks_selectors.deliveries_unsettled(organization),
        delivery_counts=webhooks_selectors.unsettled_counts(organization),
        last_runs=last_runs(organization),
    )
