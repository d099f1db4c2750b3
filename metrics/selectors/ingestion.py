"""Reads of the pages for getting data in: API tokens and CSV uploads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet

from metrics.models import ApiToken, CsvUpload, DirtyPeriod, MetricDefinition
from readiness.models import Organization, UseCase

RECENT_UPLOADS = 20


def use_cases_by_name(organization: Organization) -> QuerySet[UseCase]:
    """The organization's use cases, by name: the choices a token may be limited to."""
    return UseCase.objects.filter(organization=organization).order_by("name")


def example_use_case(organization: Organization, token: ApiToken | None = None) -> UseCase | None:
    """The use case the page's example names: one the new token may write to, else the first."""
    found = token.use_cases.order_by("name").first() if token is not None else None
    return found or use_cases_by_name(organization).first()


def api_tokens(organization: Organization) -> QuerySet[ApiToken]:
    """Every token of the organization, active ones first, newest first."""
    return (
        ApiToken.objects.filter(organization=organization)
        .select_related("created_by", "revoked_by")
        .prefetch_related("use_cases")
        .order_by("revoked_at", "-created_at", "-id")
    )


def recent_uploads(organization: Organization) -> QuerySet[CsvUpload]:
    """The latest uploads, without their content (the file and its report can be large)."""
    return (
        CsvUpload.objects.filter(organization=organization)
        .select_related("uploaded_by", "organization")
        .defer("content", "rejected_report")
        .order_by("-created_at", "-id")[:RECENT_UPLOADS]
    )


def builtin_metrics() -> QuerySet[MetricDefinition]:
    """The built-in catalog, for the upload page's list of keys."""
    return MetricDefinition.objects.filter(organization__isnull=True).order_by("level", "name")


def rejected_report(upload: CsvUpload) -> str:
    """The upload's rejected rows with their reasons, as CSV lines (header not included)."""
    return (
        CsvUpload.objects.filter(pk=upload.pk).values_list("rejected_report", flat=True).first()
    ) or ""


@dataclass(frozen=True)
class RollupBacklog:
    """The periods waiting for the roll-up job, across every organization (for operators)."""

    pending: int
    oldest_marked_at: dt.datetime | None


def rollup_backlog() -> RollupBacklog:
    """How many periods are marked for the roll-up job and since when the oldest waits: the
    roll-up lag an operator watches (one aggregate query over the marks)."""
    found = DirtyPeriod.objects.aggregate(pending=Count("id"), oldest=Min("marked_at"))
    return RollupBacklog(pending=found["pending"] or 0, oldest_marked_at=found["oldest"])


@dataclass(frozen=True)
class SampleStorage:
    """The raw samples' month partitions, across every organization (for operators; PostgreSQL
    only). ``default_rows`` counts rows in the default partition up to a bound: any means a
    month partition is missing (the daily maintenance job was not run)."""

    partitions: int
    oldest_month: dt.date | None
    newest_month: dt.date | None
    default_rows: int


DEFAULT_ROWS_BOUND = 10_000


def sample_storage() -> SampleStorage | None:
    """The partitions of the samples table; None when it is not partitioned (SQLite)."""
    from django.db import connection

    from metrics.ingestion import partitions

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        if not partitions.is_partitioned(cursor):
            return None
        months = partitions.month_partitions(cursor)
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {partitions.DEFAULT_PARTITION}"  # noqa: S608
            f" LIMIT {DEFAULT_ROWS_BOUND}) AS d"
        )
        default_rows = int(cursor.fetchone()[0])
    return SampleStorage(
        partitions=len(months),
        oldest_month=months[0].start if months else None,
        newest_month=months[-1].start if months else None,
        default_rows=default_rows,
    )
