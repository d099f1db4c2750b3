"""Raw samples in monthly partitions (PostgreSQL) and their retention: the table is partitioned,
months exist ahead, a key is unique within its month (and only there), corrections move samples
between months, and the retention drops whole months while the roll-ups stay, never a month
whose roll-ups are still pending. The clock is frozen in mid-June 2031."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from metrics import rollups
from metrics.ingestion import partitions
from metrics.models import DirtyPeriod, Rollup, Sample
from metrics.rollups.marking import mark_from_samples
from metrics.services import samples_ingest
from metrics.tasks import maintain_sample_partitions
from tests.metrics.ingest_support import iso, make_token, measured, post

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="partitioning is PostgreSQL's; SQLite keeps one table with a global key",
)

T0 = dt.datetime(2031, 6, 15, 12, 0, tzinfo=dt.UTC)
READ_URL = "/api/v1/metrics/rollups/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def months():
    """Partitions from February to August 2031 (the test database has those of its own day)."""
    return partitions.ensure_partitions(today=dt.date(2031, 2, 1), months_ahead=6)


def _fetch(sql: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _where(client_id: str) -> list[tuple[str, dt.datetime]]:
    """The partitions holding the samples of a client id, with their times."""
    return _fetch(
        "SELECT tableoid::regclass::text, ts FROM metrics_sample WHERE client_id = %s ORDER BY ts",
        [client_id],
    )


def _indexes(table: str) -> dict[str, str]:
    return dict(_fetch("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]))


@needs_postgres
def test_the_sample_table_is_partitioned_by_month_with_a_default():
    strategy = _fetch(
        "SELECT partstrat, partdefid::regclass::text FROM pg_partitioned_table"
        " WHERE partrelid = 'metrics_sample'::regclass"
    )
    assert strategy == [("r", "metrics_sample_default")]
    # No key on the parent (PostgreSQL would need ts in it); one per partition.
    assert not _fetch(
        "SELECT 1 FROM pg_constraint WHERE conrelid = 'metrics_sample'::regclass AND contype = 'p'"
    )
    for table in ["metrics_sample_default", *(p.name for p in _partitions())]:
        definitions = _indexes(table).values()
        assert any(
            "UNIQUE" in d and "(use_case_id, metric_id, client_id)" in d for d in definitions
        )


def _partitions() -> list[partitions.Partition]:
    with connection.cursor() as cursor:
        return partitions.month_partitions(cursor)


@needs_postgres
def test_maintenance_creates_the_months_ahead_once(months):
    created = partitions.ensure_partitions(today=dt.date(2031, 11, 20))
    assert created == [
        "metrics_sample_p2031_11",
        "metrics_sample_p2031_12",
        "metrics_sample_p2032_01",
    ]
    assert partitions.ensure_partitions(today=dt.date(2031, 11, 20)) == []
    # The task does the same for today (June: made by the fixture): nothing new.
    assert maintain_sample_partitions()["created"] == []
    new = _indexes("metrics_sample_p2031_12")
    assert "metrics_sample_p2031_12_key" in new
    assert any("USING brin (ts)" in d for d in new.values())
    bounds = _fetch(
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'metrics_sample_p2031_12'"
    )[0][0]
    assert "2031-12-01 00:00:00+00" in bounds and "2032-01-01 00:00:00+00" in bounds


@needs_postgres
def test_a_new_month_takes_its_rows_out_of_the_default_partition():
    _fetch(
        "INSERT INTO metrics_sample (use_case_id, metric_id, client_id, ts, value)"
        " VALUES (1, 1, 'early', '2033-03-05Z', 1), (1, 1, 'later', '2033-04-05Z', 2)"
        " RETURNING 1"
    )
    assert [p for p, _ in _where("early")] == ["metrics_sample_default"]
    created = partitions.ensure_partitions(today=dt.date(2033, 3, 1), months_ahead=0)
    # The month asked for, and every other month found in the default partition.
    assert created == ["metrics_sample_p2033_03", "metrics_sample_p2033_04"]
    assert [p for p, _ in _where("early")] == ["metrics_sample_p2033_03"]
    assert [p for p, _ in _where("later")] == ["metrics_sample_p2033_04"]
    assert not _fetch("SELECT 1 FROM metrics_sample_default")


@needs_postgres
def test_a_sample_lands_in_its_months_partition(client, org, admin, use_case, months):
    _, raw = make_token(org, admin)
    sample = measured(use_case, client_id="june", timestamp=iso(T0 - dt.timedelta(hours=1)))
    assert post(client, raw, [sample]).status_code == 201
    may = measured(use_case, client_id="may", timestamp="2031-05-31T23:59:59Z")
    assert post(client, raw, [may]).status_code == 201
    assert [p for p, _ in _where("june")] == ["metrics_sample_p2031_06"]
    assert [p for p, _ in _where("may")] == ["metrics_sample_p2031_05"]


@needs_postgres
@pytest.mark.parametrize("with_new_rows", [False, True], ids=["alone", "beside-new-rows"])
def test_within_a_month_a_resend_is_a_duplicate_or_a_conflict(
    client, org, admin, use_case, months, with_new_rows
):
    _, raw = make_token(org, admin)
    first = measured(use_case, client_id="k1", timestamp="2031-06-02T10:00:00Z", value=5.0)
    assert post(client, raw, [first]).json()["stored"] == 1
    extra = [measured(use_case)] if with_new_rows else []
    again = post(client, raw, [first, *extra])
    assert again.status_code == 201
    assert again.json()["duplicates"] == 1 and again.json()["stored"] == len(extra)
    for changed in ({"value": 6.0}, {"timestamp": "2031-06-14T10:00:00Z"}):
        response = post(client, raw, [{**first, **changed}, *extra])
        assert response.status_code == 409, changed
        assert response.json()["errors"][0]["row"] == 0
    assert Sample.objects.filter(client_id="k1").count() == 1


@needs_postgres
@pytest.mark.parametrize("with_retry", [False, True], ids=["copy", "comparing-way"])
def test_a_resend_moved_to_another_month_is_stored_as_a_new_sample(
    client, org, admin, use_case, months, with_retry
):
    """The documented limit (README, Metrics; API docs): the key is unique within a month.
    Both write paths agree: the COPY and the comparing way (taken when the batch has a retry)."""
    _, raw = make_token(org, admin)
    may = measured(use_case, client_id="k2", timestamp="2031-05-31T23:00:00Z")
    retry = measured(use_case, client_id="r", timestamp="2031-06-10T10:00:00Z")
    assert post(client, raw, [may, retry]).json()["stored"] == 2
    june = {**may, "timestamp": "2031-06-01T01:00:00Z"}
    response = post(client, raw, [june, *([retry] if with_retry else [])])
    assert response.status_code == 201, response.content
    assert response.json()["stored"] == 1
    assert [p for p, _ in _where("k2")] == ["metrics_sample_p2031_05", "metrics_sample_p2031_06"]


@needs_postgres
def test_a_correction_moves_the_sample_to_its_new_month(client, org, admin, use_case, months):
    _, raw = make_token(org, admin)
    may = measured(use_case, client_id="k3", timestamp="2031-05-20T08:00:00Z", value=10.0)
    assert post(client, raw, [may]).status_code == 201
    DirtyPeriod.objects.all().delete()  # as if rolled up
    moved = {**may, "timestamp": "2031-06-03T08:00:00Z", "value": 11.0, "replace": True}
    body = post(client, raw, [moved]).json()
    assert (body["stored"], body["replaced"], body["duplicates"]) == (0, 1, 0)
    assert [p for p, _ in _where("k3")] == ["metrics_sample_p2031_06"]
    marked = set(DirtyPeriod.objects.filter(period="day").values_list("period_start", flat=True))
    assert marked == {dt.date(2031, 5, 20), dt.date(2031, 6, 3)}
    # A key stored in two months (a cross-month resend) is corrected into one sample.
    assert post(client, raw, [{**may, "client_id": "k4"}]).status_code == 201
    assert post(client, raw, [{**moved, "client_id": "k4", "replace": False}]).status_code == 201
    assert len(_where("k4")) == 2
    body = post(client, raw, [{**moved, "client_id": "k4", "value": 12.0}]).json()
    assert body["replaced"] == 1
    assert [
        (p, v)
        for p, v in _fetch(
            "SELECT tableoid::regclass::text, value FROM metrics_sample WHERE client_id = 'k4'"
        )
    ] == [("metrics_sample_p2031_06", 12.0)]


def _ingest_march(org, admin, use_case, settings) -> None:
    """Samples on 10 and 31 March 2031 (kept forever while they are sent)."""
    settings.METRICS_SAMPLE_RETENTION_DAYS = 0
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "latency_ms",
                "timestamp": when,
                "value": 100.0 + i,
                "client_id": f"m{i}",
            }
            for i, when in enumerate(["2031-03-10T09:00:00Z", "2031-03-31T09:00:00Z"])
        ],
    )


@needs_postgres
def test_retention_drops_old_months_and_the_rollups_stay(
    org, admin, pm, use_case, months, settings
):
    _ingest_march(org, admin, use_case, settings)
    rollups.rollup_pending()
    before = list(
        Rollup.objects.order_by("period", "period_start").values_list(
            "period", "period_start", "count"
        )
    )
    assert ("day", dt.date(2031, 3, 10), 1) in before
    # 80 days: the cutoff is 27 March; only months wholly before it go (March holds it).
    settings.METRICS_SAMPLE_RETENTION_DAYS = 80
    result = partitions.drop_expired_partitions()
    assert result.dropped[-1] == "metrics_sample_p2031_02"
    settings.METRICS_SAMPLE_RETENTION_DAYS = 60  # cutoff 16 April: March is wholly older
    result = maintain_sample_partitions()
    assert result["dropped"] == ["metrics_sample_p2031_03"] and result["waiting"] == {}
    assert _partitions()[0].start == dt.date(2031, 4, 1)
    assert not Sample.objects.filter(use_case=use_case).exists()
    # A recompute marks only what the retention keeps: the March roll-ups are not emptied.
    mark_from_samples([use_case.pk])
    rollups.rollup_pending()
    after = list(
        Rollup.objects.order_by("period", "period_start").values_list(
            "period", "period_start", "count"
        )
    )
    assert after == before
    client = APIClient()
    client.force_login(pm)
    response = client.get(
        READ_URL, {"use_case": use_case.pk, "from": "2031-03-01", "to": "2031-03-31"}
    )
    assert response.status_code == 200
    assert [r["period_start"] for r in response.json()["results"]] == ["2031-03-10", "2031-03-31"]
    page = client.get(f"/api/v1/metrics/scorecards/{use_case.pk}/")
    assert page.status_code == 200


@needs_postgres
def test_retention_never_drops_a_month_with_pending_rollups(org, admin, use_case, months, settings):
    _ingest_march(org, admin, use_case, settings)  # marked, not rolled up
    settings.METRICS_SAMPLE_RETENTION_DAYS = 60
    result = partitions.drop_expired_partitions()
    assert result.dropped[-1] == "metrics_sample_p2031_02"
    assert list(result.waiting) == ["metrics_sample_p2031_03"]
    assert Sample.objects.filter(use_case=use_case).count() == 2
    rollups.rollup_pending()
    assert partitions.drop_expired_partitions().dropped == ["metrics_sample_p2031_03"]
    assert Rollup.objects.filter(use_case=use_case, period="day").count() == 2


@needs_postgres
def test_a_week_mark_reaching_into_the_month_holds_it_too(org, admin, use_case, months, settings):
    settings.METRICS_SAMPLE_RETENTION_DAYS = 60
    # The ISO week of Monday 31 March 2031 starts in March and reads April's first days.
    DirtyPeriod.objects.create(
        use_case=use_case, metric_id=_metric_id(), period="week", period_start=dt.date(2031, 3, 31)
    )
    assert "metrics_sample_p2031_03" in partitions.drop_expired_partitions().waiting


def _metric_id() -> int:
    from metrics.models import MetricDefinition

    return MetricDefinition.objects.get(organization__isnull=True, key="latency_ms").pk


def test_ingestion_refuses_a_sample_older_than_the_retention(
    client, org, admin, use_case, settings
):
    settings.METRICS_SAMPLE_RETENTION_DAYS = 30
    _, raw = make_token(org, admin)
    fresh = measured(use_case, timestamp=iso(T0 - dt.timedelta(days=29)))
    old = measured(use_case, timestamp=iso(T0 - dt.timedelta(days=31)))
    response = post(client, raw, [fresh, old])
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["row"] == 1 and error["field"] == "timestamp"
    assert "30 days" in error["message"] and "METRICS_SAMPLE_RETENTION_DAYS" in error["message"]
    # The shorter of the two limits applies: a longer retention leaves the maximum age.
    settings.METRICS_SAMPLE_RETENTION_DAYS = 5000
    settings.METRICS_MAX_AGE_DAYS = 20
    [error] = post(
        client, raw, [measured(use_case, timestamp=iso(T0 - dt.timedelta(days=25)))]
    ).json()["errors"]
    assert error["message"] == "The time is more than 20 days in the past."
