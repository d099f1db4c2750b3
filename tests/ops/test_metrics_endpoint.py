"""GET /metrics: Prometheus text for a token or an allowed network; requests by route, task
runs, failures and durations, samples stored, the queue's length and the roll-up lag."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from metrics.models import DirtyPeriod
from ops import instruments
from tests.metrics.ingest_support import make_token, measured, post
from tests.ops.conftest import closed_port

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    """Read /metrics with the token; returns {(name, labels as sorted tuple): value}."""
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []

    def read() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples
        }

    return read


def value(found, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# --- who may read --------------------------------------------------------------------------


def test_not_served_when_neither_a_token_nor_a_network_is_configured(client, db, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "header, status",
    [(None, 401), ("Bearer wrong", 401), ("Basic " + TOKEN, 401), (f"Bearer {TOKEN}", 200)],
)
def test_token(client, db, settings, header, status):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "networks, remote, forwarded, status",
    [
        (["127.0.0.0/8"], "127.0.0.1", False, 200),
        (["10.0.0.0/8"], "10.1.2.3", False, 200),
        (["10.0.0.0/8"], "192.0.2.7", False, 403),
        # Through a proxy the address seen is the proxy's: never trusted by address.
        (["127.0.0.0/8"], "127.0.0.1", True, 403),
    ],
)
def test_allowed_networks(client, db, settings, networks, remote, forwarded, status):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = networks
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert client.get("/metrics", **extra).status_code == status


# --- what it says ----------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route(client, db, scrape, org, admin):
    client.force_login(admin)
    route = "o/<slug:org>/use-cases/"
    before = scrape()
    assert client.get(f"/o/{org.slug}/use-cases/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    after = scrape()
    labels = {"route": route, "method": "GET"}
    assert value(after, "readiness_http_requests_total", status="200", **labels) == (
        value(before, "readiness_http_requests_total", status="200", **labels) + 1
    )
    assert value(after, "readiness_http_request_duration_seconds_count", **labels) == (
        value(before, "readiness_http_request_duration_seconds_count", **labels) + 1
    )
    # Unknown paths share one series: a scanner cannot create a series per path.
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "readiness_http_requests_total", **unmatched) == (
        value(before, "readiness_http_requests_total", **unmatched) + 1
    )


def test_server_errors_are_counted_by_route_and_exception(db, scrape, settings, monkeypatch):
    from django.test import Client

    from readiness.api import organizations

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError

    monkeypatch.setattr(organizations.OrganizationViewSet, "list", boom)
    from tests.factories import make_org

    _org, user = make_org("Errors Org")
    settings.DEBUG = False
    crashing = Client(raise_request_exception=False)
    crashing.force_login(user)
    before = scrape()
    assert crashing.get("/api/v1/organizations/").status_code == 500
    after = scrape()
    labels = {"route": "api/v1/organizations/", "exception": "ZeroDivisionError"}
    assert value(after, "readiness_http_errors_total", **labels) == (
        value(before, "readiness_http_errors_total", **labels) + 1
    )


def test_task_runs_failures_and_durations(db, scrape, monkeypatch):
    from webhooks import tasks

    name = "webhooks.tasks.retry_due"
    before = scrape()
    tasks.retry_due.delay()
    monkeypatch.setattr(tasks.selectors, "due_delivery_ids", _raise)
    with pytest.raises(RuntimeError):
        tasks.retry_due.apply(throw=True)
    after = scrape()
    assert value(after, "readiness_task_runs_total", task=name, outcome="succeeded") == (
        value(before, "readiness_task_runs_total", task=name, outcome="succeeded") + 1
    )
    assert value(after, "readiness_task_runs_total", task=name, outcome="failed") == (
        value(before, "readiness_task_runs_total", task=name, outcome="failed") + 1
    )
    assert value(after, "readiness_task_duration_seconds_count", task=name) == (
        value(before, "readiness_task_duration_seconds_count", task=name) + 2
    )


def _raise(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("the task's service failed")


def test_samples_stored_and_the_roll_up_lag(
    client, scrape, org, admin, use_case, django_capture_on_commit_callbacks
):
    _token, secret = make_token(org, admin)
    before = scrape()
    batch = [measured(use_case, client_id=f"m-{i}") for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):  # counted once committed
        assert post(client, secret, batch).status_code == 201
        assert post(client, secret, batch).status_code == 201  # a replay stores nothing new
    # The oldest mark has waited two minutes for the roll-up job.
    DirtyPeriod.objects.filter(use_case=use_case).update(
        marked_at=timezone.now() - dt.timedelta(seconds=120)
    )
    after = scrape()
    assert value(after, "readiness_samples_stored_total", source="token") == (
        value(before, "readiness_samples_stored_total", source="token") + 7
    )
    assert value(after, "readiness_sample_batches_total", source="token") == (
        value(before, "readiness_sample_batches_total", source="token") + 2
    )
    assert value(after, "readiness_rollup_pending_periods") == 2  # the day and the week
    assert 119 <= value(after, "readiness_rollup_lag_seconds") < 200
    assert value(after, "readiness_scrape_source_up", source="database") == 1


def test_no_roll_up_lag_when_nothing_waits(db, scrape):
    found = scrape()
    assert value(found, "readiness_rollup_pending_periods") == 0
    assert value(found, "readiness_rollup_lag_seconds") == 0
    assert value(found, "readiness_outbox_unsent") == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the samples table is partitioned on PostgreSQL only"
)
def test_the_sample_partitions(db, scrape):
    from metrics.ingestion import partitions

    partitions.ensure_partitions(today=dt.date(2001, 3, 1), months_ahead=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO metrics_sample (use_case_id, metric_id, client_id, ts, value)"
            " VALUES (1, 1, 'lost', '1990-01-01Z', 1)"
        )
        count = len(partitions.month_partitions(cursor))
    found = scrape()
    assert value(found, "readiness_sample_partitions") == count
    oldest = dt.datetime(2001, 3, 1, tzinfo=dt.UTC).timestamp()
    assert value(found, "readiness_sample_oldest_partition_timestamp_seconds") == oldest
    assert value(found, "readiness_sample_default_partition_rows") == 1


def test_outbox_messages_waiting_for_the_broker(db, scrape):
    from readiness.models import OutboxMessage

    OutboxMessage.objects.create(task="readiness.tasks.outbox_sweep")
    OutboxMessage.objects.create(task="readiness.tasks.outbox_sweep", sent_at=timezone.now())
    assert value(scrape(), "readiness_outbox_unsent") == 1


def test_queue_length_from_the_broker(db, scrape, redis_url, monkeypatch):
    from ops.health import redis_client

    queue = f"test-queue-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(instruments, "queue_name", lambda: queue)
    client = redis_client()
    try:
        client.lpush(queue, "a", "b", "c")
        client.lpush(f"{queue}\x06\x163", "d")  # a message of another priority step
        found = scrape()
    finally:
        client.delete(queue, f"{queue}\x06\x163")
    assert value(found, "readiness_queue_length", queue=queue) == 4
    assert value(found, "readiness_scrape_source_up", source="broker") == 1


def test_a_broker_that_does_not_answer_is_reported_down_not_zero(db, scrape, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    found = scrape()
    assert value(found, "readiness_scrape_source_up", source="broker") == 0
    assert not [k for k in found if k[0] == "readiness_queue_length"]
