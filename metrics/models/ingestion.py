"""Raw ingestion: API tokens for production systems, raw samples, the marks that tell the
roll-up job which periods changed, and CSV uploads made in the browser."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from metrics.models.catalog import MetricDefinition, Period
from readiness.models import Organization, UseCase


class ApiToken(models.Model):
    """A secret a production system sends as ``Authorization: Bearer <token>``.

    The token is shown once, when created; only its SHA-256 is stored (the secret has 256 bits
    of entropy, so a fast hash is enough: there is nothing to brute-force). ``prefix`` is the
    non-secret start of the token, shown in lists so people can tell tokens apart. A token
    writes only to its organization's use cases, and only to ``use_cases`` when any are chosen.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="Which system uses it, e.g. triage-service.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    use_cases = models.ManyToManyField(
        UseCase,
        blank=True,
        related_name="api_tokens",
        help_text="Limit the token to these use cases. None chosen: every use case.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="uniq_active_token_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (rdy_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Sample(models.Model):
    """One raw measurement, as a production system sent it. Append-only.

    The key is (use case, metric, client id): a retried batch with the same client ids stores
    nothing twice. A sample sent without a client id gets one made up by the server, unique to
    its batch. There is no surrogate id: the key's B-tree is the one index that loading must
    maintain, besides a BRIN index on the timestamp on PostgreSQL (see migration 0003, which
    also explains why the foreign keys have no database constraints).

    On PostgreSQL the table is partitioned by month of ``ts`` (migration 0009,
    :mod:`metrics.ingestion.partitions`): the parent has no primary key and each partition a
    unique index on the key, so the key is unique *within its month* there. The composite
    primary key below is Django's view (it needs one); SQLite has it as the table's key.

    Measured values and counts carry ``value``; rates carry ``numerator`` (successes) and
    ``denominator`` (trials).
    """

    pk = models.CompositePrimaryKey("use_case", "metric", "client_id")
    # No database constraint and no index of their own: a referential check per row would
    # dominate bulk loading, and the key's B-tree already starts with them. The ingestion
    # validates every use case and metric; deleting either deletes its samples (Django cascade).
    use_case = models.ForeignKey(
        UseCase, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    metric = models.ForeignKey(
        MetricDefinition,
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    client_id = models.CharField(max_length=100)
    ts = models.DateTimeField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.BigIntegerField(null=True, blank=True)
    denominator = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["ts"]

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.ts:%Y-%m-%d %H:%M} for {self.use_case_id}"


class DirtyPeriod(models.Model):
    """A roll-up period that has samples newer than its roll-up (a mark for the roll-up job).

    Ingestion marks the day and the week of every sample it stores, in its own transaction.
    The roll-up job *claims* marks (``claimed_until``: a lease, so a crashed job's marks come
    back), recomputes, then deletes each mark only if its ``generation`` is unchanged; a batch
    that lands on a claimed mark bumps the generation, so the mark survives and the period is
    recomputed again. See :mod:`metrics.rollups` for why this is correct under concurrency.
    """

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    generation = models.BigIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "metric", "period", "period_start"], name="uniq_dirty_period"
            ),
        ]
        # The roll-up job claims marks oldest period first (see metrics.rollups.claim).
        indexes = [models.Index(fields=["period_start", "id"], name="dirty_period_claim_order")]

    def __str__(self) -> str:
        return (
            f"{self.period} {self.period_start} of metric {self.metric_id} for {self.use_case_id}"
        )


class RollupFailure(models.Model):
    """A use case's metric whose roll-up failed (e.g. a sum beyond a float's range).

    Confined to that use case and metric: the job computes every other one, leaves this one's
    marks leased until ``retry_at`` (doubling the wait on each failure, with a ceiling) and
    deletes the row once a roll-up of it succeeds. Org admins see it on the scorecard: its
    figures are stale since ``first_failed_at``.
    """

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="+")
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    retry_at = models.DateTimeField()

    class Meta:
        ordering = ["use_case", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "metric"], name="uniq_rollup_failure"),
        ]

    def __str__(self) -> str:
        return f"roll-up of metric {self.metric_id} for {self.use_case_id} failed: {self.error}"


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CsvUpload(models.Model):
    """A CSV file of samples uploaded in the browser and processed by a Celery task.

    Valid rows are stored; rejected rows are kept with their reasons in ``rejected_report``
    (a CSV the uploader downloads). The file's bytes are kept in the database so that any
    worker can process it, and cleared once processed.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="metric_uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_stored = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rejected_report = models.TextField(blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # When processing last moved (started, or stored a chunk): an unfinished upload whose
    # progress stopped is queued again by metrics.tasks.requeue_stuck_uploads.
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse(
            "metric_upload_detail", kwargs={"org": self.organization.slug, "pk": self.pk}
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (UploadStatus.DONE, UploadStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_processed / self.rows_total))
