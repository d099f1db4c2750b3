"""Reads of the background-jobs page (org admins): the roll-up backlog and failures, and the CSV
uploads, of one organization. Each runs a fixed number of queries, whatever the backlog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from metrics.ingestion.uploads import stuck_after
from metrics.models import CsvUpload, DirtyPeriod, MetricDefinition, RollupFailure, UploadStatus
from readiness.models import Organization, UseCase

# Rows shown per table: the page is a status board, not an archive.
JOBS_LIMIT = 50


@dataclass(frozen=True)
class PendingRollup:
    """The periods of one use case's metric waiting for the roll-up job."""

    use_case: UseCase
    metric: MetricDefinition
    periods: int
    oldest_marked_at: dt.datetime
    leased_until: dt.datetime | None  # a job (or a failure's backoff) holds them until then


@dataclass(frozen=True)
class OrgRollupBacklog:
    pending: int
    oldest_marked_at: dt.datetime | None
    items: list[PendingRollup]  # the oldest first, at most JOBS_LIMIT
    item_count: int  # how many use-case metrics wait, in all


def org_rollup_backlog(organization: Organization, *, limit: int = JOBS_LIMIT) -> OrgRollupBacklog:
    """The organization's periods waiting for the roll-up job, in all and per use case and
    metric (oldest first). Three queries."""
    marks = DirtyPeriod.objects.filter(use_case__organization=organization)
    total = marks.aggregate(pending=Count("id"), oldest=Min("marked_at"))
    grouped = (
        marks.values("use_case_id", "metric_id")
        .annotate(periods=Count("id"), oldest=Min("marked_at"), leased=Max("claimed_until"))
        .order_by("oldest", "use_case_id", "metric_id")
    )
    item_count = grouped.count() if total["pending"] else 0
    rows = list(grouped[:limit]) if total["pending"] else []
    use_cases = UseCase.objects.in_bulk({r["use_case_id"] for r in rows})
    metrics = MetricDefinition.objects.in_bulk({r["metric_id"] for r in rows}) if rows else {}
    now = timezone.now()
    items = [
        PendingRollup(
            use_case=use_cases[r["use_case_id"]],
            metric=metrics[r["metric_id"]],
            periods=r["periods"],
            oldest_marked_at=r["oldest"],
            leased_until=r["leased"] if r["leased"] and r["leased"] > now else None,
        )
        for r in rows
        if r["use_case_id"] in use_cases and r["metric_id"] in metrics
    ]
    return OrgRollupBacklog(
        pending=total["pending"] or 0,
        oldest_marked_at=total["oldest"],
        items=items,
        item_count=item_count,
    )


def org_rollup_failures(organization: Organization) -> QuerySet[RollupFailure]:
    """The organization's failed roll-ups (use case and metric, error, attempts, next retry),
    the oldest failure first."""
    return (
        RollupFailure.objects.filter(use_case__organization=organization)
        .select_related("use_case", "metric")
        .order_by("first_failed_at", "pk")
    )


def upload_is_stuck(upload: CsvUpload, *, now: dt.datetime | None = None) -> bool:
    """Unfinished, and its progress has not moved for ``METRICS_UPLOAD_STUCK_SECONDS``."""
    if upload.is_finished:
        return False
    moved = upload.progress_at or upload.created_at
    return moved < (now or timezone.now()) - stuck_after()


def org_uploads_for_jobs(organization: Organization, *, limit: int = JOBS_LIMIT) -> list[CsvUpload]:
    """The organization's unfinished uploads (all of them, oldest first) and then its latest
    finished ones, without their content. Each carries ``is_stuck``."""
    base = (
        CsvUpload.objects.filter(organization=organization)
        .select_related("uploaded_by")
        .defer("content", "rejected_report")
    )
    unfinished = Q(status__in=[UploadStatus.PENDING, UploadStatus.PROCESSING])
    running = list(base.filter(unfinished).order_by("created_at", "pk")[:limit])
    finished = list(base.exclude(unfinished).order_by("-created_at", "-pk")[: limit - len(running)])
    now = timezone.now()
    uploads = running + finished
    for upload in uploads:
        upload.is_stuck = upload_is_stuck(upload, now=now)  # type: ignore[attr-defined]
    return uploads
