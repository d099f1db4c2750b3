"""Prometheus metrics of the running processes, and what is read at scrape time.

Counted where they happen: requests (:mod:`ops.middleware`), task runs (:mod:`ops.signals`),
samples stored (``metrics.ingestion.instruments``). Read when scraped: the queue's length in the
broker and the roll-up lag (age of the oldest period waiting for the roll-up job).

Several processes: gunicorn's workers and Celery's pool processes each count on their own.
With ``PROMETHEUS_MULTIPROC_DIR`` set (the image sets it) every process writes its counts to
files there and one scrape adds them up (prometheus_client's multiprocess mode); the web
container serves them at ``/metrics``, the worker container on its own port
(:mod:`ops.exporter`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator

from celery import current_app
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

HTTP_REQUESTS = Counter(
    "readiness_http_requests_total",
    "HTTP requests answered, by route (URL pattern), method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "readiness_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
HTTP_ERRORS = Counter(
    "readiness_http_errors_total",
    "Requests answered with a server error (5xx), by route and the exception that caused it.",
    ["route", "exception"],
)
TASK_RUNS = Counter(
    "readiness_task_runs_total",
    "Celery task runs, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "readiness_task_duration_seconds",
    "Time one Celery task run took, by task name.",
    ["task"],
    buckets=TASK_BUCKETS,
)


def queue_name() -> str:
    """The queue the workers consume (Celery's default queue)."""
    return str(current_app.conf.task_default_queue)


def _queue_keys(name: str) -> list[str]:
    # kombu's Redis transport keeps a queue as a list per priority step; the default step is
    # the bare name, the others carry a separator and the step.
    return [name] + [f"{name}\x06\x16{step}" for step in (3, 6, 9)]


class BacklogCollector(Collector):
    """Gauges read when scraped: the broker's queue length, the roll-up lag and the outbox. A source that
    does not answer is reported as down (``readiness_scrape_source_up``), never as zero."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "readiness_scrape_source_up",
            "1 when the source of the backlog gauges answered this scrape, else 0.",
            labels=["source"],
        )
        yield from self._queue(up)
        yield from self._rollups(up)
        yield up

    def _queue(self, up: GaugeMetricFamily) -> Iterator[GaugeMetricFamily]:
        if not settings.REDIS_URL:
            return
        import redis

        from ops.health import redis_client

        queue = queue_name()
        try:
            client = redis_client()
            pipe = client.pipeline()
            for key in _queue_keys(queue):
                pipe.llen(key)
            pipe.hlen("unacked")
            *lengths, unacked = pipe.execute()
        except redis.RedisError as exc:
            log.warning("metrics: the broker did not answer (%s)", exc.__class__.__name__)
            up.add_metric(["broker"], 0)
            return
        up.add_metric(["broker"], 1)
        length = GaugeMetricFamily(
            "readiness_queue_length",
            "Task messages waiting in the broker, by queue.",
            labels=["queue"],
        )
        length.add_metric([queue], sum(lengths))
        yield length
        yield GaugeMetricFamily(
            "readiness_queue_unacked",
            "Task messages taken by a worker and not yet acknowledged.",
            value=unacked,
        )

    def _rollups(self, up: GaugeMetricFamily) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError

        from metrics.selectors import rollup_backlog
        from readiness.outbox import unsent_count

        try:
            backlog = rollup_backlog()
            unsent = unsent_count()
        except DatabaseError as exc:
            log.warning("metrics: the database did not answer (%s)", exc.__class__.__name__)
            up.add_metric(["database"], 0)
            return
        up.add_metric(["database"], 1)
        lag = 0.0
        if backlog.oldest_marked_at is not None:
            lag = max(0.0, (timezone.now() - backlog.oldest_marked_at).total_seconds())
        yield GaugeMetricFamily(
            "readiness_rollup_pending_periods",
            "Periods (day or week of a metric) waiting for the roll-up job.",
            value=backlog.pending,
        )
        yield GaugeMetricFamily(
            "readiness_rollup_lag_seconds",
            "Age of the oldest period waiting for the roll-up job (0 when none waits).",
            value=lag,
        )
        yield GaugeMetricFamily(
            "readiness_outbox_unsent",
            "Task messages committed but not yet handed to the broker (readiness.outbox).",
            value=unsent,
        )
        yield from self._samples()

    def _samples(self) -> Iterator[GaugeMetricFamily]:
        """The raw samples' month partitions (PostgreSQL): how many, the oldest kept (it moves
        when the retention drops one), and rows in the default partition (should be 0)."""
        from django.db import DatabaseError

        from metrics.selectors import sample_storage

        try:
            storage = sample_storage()
        except DatabaseError as exc:
            log.warning("metrics: the database did not answer (%s)", exc.__class__.__name__)
            return
        if storage is None:
            return
        yield GaugeMetricFamily(
            "readiness_sample_partitions",
            "Month partitions of the raw samples table.",
            value=storage.partitions,
        )
        if storage.oldest_month is not None:
            oldest = dt.datetime.combine(storage.oldest_month, dt.time(), tzinfo=dt.UTC)
            yield GaugeMetricFamily(
                "readiness_sample_oldest_partition_timestamp_seconds",
                "Start of the oldest month of raw samples kept (older ones were dropped).",
                value=oldest.timestamp(),
            )
        yield GaugeMetricFamily(
            "readiness_sample_default_partition_rows",
            "Raw samples in the default partition (no month partition for them; up to 10000).",
            value=storage.default_rows,
        )


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def scrape_registry(*, backlog: bool) -> CollectorRegistry:
    """What one scrape reads: this process's metrics (or every process's, in multiprocess
    mode), plus the backlog gauges when ``backlog`` (the web endpoint; not the worker's)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    if backlog:
        registry.register(BacklogCollector())
    return registry


class _Forward(Collector):
    """This process's default registry, inside a per-scrape registry."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.source.collect()  # type: ignore[misc]


def clear_multiprocess_dir() -> None:
    """Empty the multiprocess directory when a server starts: files of a previous run would add
    their counts to this one's."""
    path = multiprocess_dir()
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
