"""POST /api/v1/metrics/samples/: store, refuse whole with every row's error, stay idempotent."""

import datetime as dt

import pytest
from django.test import override_settings

from metrics.ingestion.validation import validate_samples
from metrics.models import DirtyPeriod, Sample
from readiness.models import AuditEvent
from tests.factories import make_use_case
from tests.metrics.ingest_support import ago, iso, make_token, measured, metric, post, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(org, admin, use_case):
    return make_token(org, admin)[1]


def _errors(response):
    return {(e["row"], e["field"]) for e in response.json()["errors"]}


# --- Happy path -----------------------------------------------------------------------------


def test_a_batch_of_every_kind_is_stored_and_its_periods_marked(client, use_case, token):
    when = ago(hours=2)
    batch = [
        measured(use_case, value=840.5, timestamp=iso(when), client_id="r1"),
        measured(use_case, value=12, timestamp=iso(when), client_id="r2"),  # ints are numbers
        rate(use_case, num=41, den=50, timestamp=iso(when), client_id="h1"),
        measured(use_case, metric="throughput", value=17, timestamp=iso(when), client_id="t1"),
    ]
    response = post(client, token, batch)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "received": 4,
        "stored": 4,
        "duplicates": 0,
        "replaced": 0,
        "rejected": 0,
    }
    rows = {s.client_id: s for s in Sample.objects.all()}
    assert rows["r1"].value == 840.5 and rows["r1"].numerator is None
    assert rows["h1"].numerator == 41 and rows["h1"].denominator == 50 and rows["h1"].value is None
    assert abs(rows["r1"].ts - when) < dt.timedelta(microseconds=1)
    day = when.astimezone(dt.UTC).date()
    marks = set(DirtyPeriod.objects.values_list("metric__key", "period", "period_start"))
    monday = day - dt.timedelta(days=day.weekday())
    for key in ("latency_ms", "acceptance_rate", "throughput"):
        assert (key, "day", day) in marks
        assert (key, "week", monday) in marks


def test_timestamps_with_offsets_are_stored_in_utc(client, use_case, token):
    when = ago(hours=3).astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))
    response = post(client, token, [measured(use_case, timestamp=when.isoformat(), client_id="x")])
    assert response.status_code == 201
    assert abs(Sample.objects.get().ts - when) < dt.timedelta(microseconds=1)


def test_one_audit_record_per_batch_not_per_sample(client, use_case, token):
    before = AuditEvent.objects.count()
    batch = [measured(use_case, client_id=f"c{i}") for i in range(50)]
    assert post(client, token, batch).status_code == 201
    events = AuditEvent.objects.filter(action="metrics.samples.ingest")
    assert AuditEvent.objects.count() == before + 1
    event = events.get()
    assert event.after["stored"] == 50
    assert event.after["client_ids"] == ["c0", "c49"]
    assert event.actor is None and "API token svc" in event.actor_label
    assert event.use_case_id == use_case.pk


# --- Idempotency ------------------------------------------------------------------------------


def test_a_retried_batch_stores_nothing_twice(client, use_case, token):
    batch = [measured(use_case, client_id=f"c{i}") for i in range(20)]
    assert post(client, token, batch).json()["stored"] == 20
    again = post(client, token, batch)
    assert again.status_code == 201
    assert again.json() == {
        "received": 20,
        "stored": 0,
        "duplicates": 20,
        "replaced": 0,
        "rejected": 0,
    }
    assert Sample.objects.count() == 20


def test_an_overlapping_retry_stores_only_the_new_samples(client, use_case, token):
    when = iso(ago(minutes=5))  # a retry resends the same samples, times included
    post(client, token, [measured(use_case, client_id=f"c{i}", timestamp=when) for i in range(10)])
    overlap = [measured(use_case, client_id=f"c{i}", timestamp=when) for i in range(5, 15)]
    response = post(client, token, overlap)
    assert response.json() == {
        "received": 10,
        "stored": 5,
        "duplicates": 5,
        "replaced": 0,
        "rejected": 0,
    }
    assert Sample.objects.count() == 15


def test_the_same_client_id_under_another_metric_is_another_sample(client, use_case, token):
    batch = [
        measured(use_case, client_id="req-1"),
        measured(use_case, metric="token_cost", value=0.02, client_id="req-1"),
    ]
    assert post(client, token, batch).json()["stored"] == 2


# --- A bad batch is refused whole --------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_stored(client, org, use_case, token, other_org):
    _, _, foreign = other_org
    batch = [
        measured(use_case, client_id="good"),  # 0: fine
        {**measured(use_case), "use_case": 999_999},  # 1: no such use case
        measured(foreign),  # 2: another organization's use case
        measured(use_case, metric="no_such_metric"),  # 3
        rate(use_case, value=0.8),  # 4: a value for a rate
        rate(use_case, num=11, den=10),  # 5: numerator > denominator
        rate(use_case, num=1, den=-10),  # 6: negative denominator
        measured(use_case, timestamp=iso(ago(minutes=-10))),  # 7: ten minutes in the future
        measured(use_case, timestamp="yesterday"),  # 8: unparseable
        measured(use_case, timestamp="2026-03-01T09:00:00"),  # 9: no time zone
        measured(use_case, value="12"),  # 10: text
        measured(use_case, value=None),  # 11: missing
        measured(use_case, numerator=3),  # 12: numerator on a measured metric
        measured(use_case, metric="throughput", value=-1),  # 13: negative count
        rate(use_case, num=1.5, den=10),  # 14: not whole
        measured(use_case, colour="red"),  # 15: unknown field
        "not an object",  # 16
        measured(use_case, client_id="x" * 101),  # 17: client id too long
        {**measured(use_case), "use_case": True},  # 18: a boolean is not an id
        rate(use_case, den=None),  # 19: missing denominator
        measured(use_case, timestamp=iso(ago(days=5000))),  # 20: far in the past
    ]
    response = post(client, token, batch)
    assert response.status_code == 400
    errors = _errors(response)
    expected = {
        (1, "use_case"),
        (2, "use_case"),
        (3, "metric"),
        (4, "value"),
        (5, "numerator"),
        (6, "denominator"),
        (7, "timestamp"),
        (8, "timestamp"),
        (9, "timestamp"),
        (10, "value"),
        (11, "value"),
        (12, "numerator"),
        (13, "value"),
        (14, "numerator"),
        (15, "colour"),
        (16, None),
        (17, "client_id"),
        (18, "use_case"),
        (19, "denominator"),
        (20, "timestamp"),
    }
    assert expected <= errors
    assert not any(row == 0 for row, _ in errors)
    messages = {e["row"]: e["message"] for e in response.json()["errors"]}
    assert "Unknown use case 999999" in messages[1]
    # Another tenant's use case is indistinguishable from a missing one.
    assert messages[2] == f"Unknown use case {other_org[2].pk} in this organization."
    assert "rate" in messages[4]
    assert "future" in messages[7]
    assert Sample.objects.count() == 0
    assert DirtyPeriod.objects.count() == 0
    assert not AuditEvent.objects.filter(action="metrics.samples.ingest").exists()


@pytest.mark.parametrize(
    "body",
    [
        b'[{"use_case": 1, "metric": "latency_ms", "timestamp": "2026-01-01T00:00:00Z", "value": NaN}]',
        b'[{"use_case": 1, "metric": "latency_ms", "timestamp": "2026-01-01T00:00:00Z", "value": Infinity}]',
        b"not json",
        b'{"use_case": 1}',
        b"[]",
        b"",
    ],
    ids=["nan", "infinity", "garbage", "object", "empty-list", "empty-body"],
)
def test_bodies_that_are_not_a_list_of_samples_are_refused(client, token, body):
    response = post(client, token, body, raw=True)
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] is None
    assert Sample.objects.count() == 0


def test_a_number_too_large_for_a_float_is_refused(client, use_case, token):
    body = b'[{"use_case": %d, "metric": "latency_ms", "timestamp": "%s", "value": 1e999}]' % (
        use_case.pk,
        iso(ago(minutes=1)).encode(),
    )
    response = post(client, token, body, raw=True)
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["errors"][0]["message"]
    assert Sample.objects.count() == 0


def test_infinite_and_nan_values_are_refused_row_by_row(use_case):
    """They cannot come through JSON, but they can through CSV (float("nan"))."""
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    checked = validate_samples(
        [
            {"use_case": 1, "metric": "m", "timestamp": "2026-03-01T11:00:00Z", "value": v}
            for v in (float("nan"), float("inf"), float("-inf"))
        ],
        use_case_ids={1},
        allowed_use_case_ids=None,
        metrics={"m": (7, "measured")},
        now=now,
    )
    assert checked.rows == []
    assert [(e["row"], e["field"]) for e in checked.errors] == [
        (0, "value"),
        (1, "value"),
        (2, "value"),
    ]


def test_a_repeated_client_id_within_a_batch_is_an_error(client, use_case, token):
    batch = [measured(use_case, client_id="dup"), measured(use_case, client_id="dup")]
    response = post(client, token, batch)
    assert response.status_code == 400
    assert _errors(response) == {(1, "client_id")}
    assert Sample.objects.count() == 0


@override_settings(METRICS_MAX_BATCH=5)
def test_a_batch_too_large_is_refused_with_413(client, use_case, token):
    response = post(client, token, [measured(use_case) for _ in range(6)])
    assert response.status_code == 413
    assert "at most 5" in response.json()["errors"][0]["message"]
    assert Sample.objects.count() == 0


@override_settings(METRICS_INGEST_MAX_BYTES=1000)
def test_a_body_too_large_is_refused_before_reading(client, use_case, token):
    response = post(client, token, [measured(use_case, client_id=f"c{i}") for i in range(40)])
    assert response.status_code == 413
    assert Sample.objects.count() == 0


def test_the_default_limit_is_ten_thousand_samples(client, use_case, token):
    batch = [measured(use_case, client_id=f"c{i}") for i in range(10_001)]
    assert post(client, token, batch).status_code == 413
    response = post(client, token, batch[:10_000])
    assert response.status_code == 201
    assert response.json()["stored"] == 10_000


# --- Tokens and tenants -------------------------------------------------------------------------


def test_a_token_limited_to_use_cases_may_write_only_to_those(client, org, admin, pm, use_case):
    other = make_use_case(org, pm, name="Second use case")
    _, limited = make_token(org, admin, name="limited", use_cases=[use_case])
    response = post(client, limited, [measured(use_case), measured(other)])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 1,
            "field": "use_case",
            "message": f"This token may not write to use case {other.pk}.",
        }
    ]
    assert post(client, limited, [measured(use_case)]).status_code == 201


def test_a_token_writes_only_to_its_own_organization(client, use_case, other_org):
    other, other_admin, _ = other_org
    _, foreign_token = make_token(other, other_admin)
    response = post(client, foreign_token, [measured(use_case)])
    assert response.status_code == 400
    assert _errors(response) == {(0, "use_case")}
    assert Sample.objects.count() == 0


def test_an_org_metric_is_accepted_only_from_its_organization(
    client, org, admin, use_case, token, other_org
):
    from metrics import services

    services.metric_definition_create(
        actor=admin,
        organization=org,
        key="handoffs",
        name="Handoffs",
        level="business",
        kind="count",
        unit="cases",
        direction="higher",
    )
    assert post(client, token, [measured(use_case, metric="handoffs", value=3)]).status_code == 201
    other, other_admin, foreign = other_org
    _, foreign_token = make_token(other, other_admin)
    response = post(client, foreign_token, [measured(foreign, metric="handoffs", value=3)])
    assert _errors(response) == {(0, "metric")}


def test_validation_alone_needs_no_database(use_case):
    """The validator is pure: the scope is passed in."""
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    checked = validate_samples(
        [
            {"use_case": 1, "metric": "m", "timestamp": "2026-03-01T11:00:00Z", "value": 1},
            {"use_case": 2, "metric": "m", "timestamp": "2026-03-01T11:00:00Z", "value": 1},
        ],
        use_case_ids={1},
        allowed_use_case_ids=None,
        metrics={"m": (7, "measured")},
        now=now,
    )
    assert len(checked.rows) == 1 and checked.rows[0][:2] == (1, 7)
    assert checked.errors == [
        {"row": 1, "field": "use_case", "message": "Unknown use case 2 in this organization."}
    ]


def test_ingested_latency_ids_are_the_catalogs(client, use_case, token):
    post(client, token, [measured(use_case, client_id="a")])
    assert Sample.objects.get().metric_id == metric("latency_ms").pk


def test_deleting_a_use_case_deletes_its_samples_and_marks(client, org, pm, use_case, token):
    other = make_use_case(org, pm, name="Kept")
    post(client, token, [measured(use_case, client_id="a"), measured(other, client_id="b")])
    use_case.delete()
    assert list(Sample.objects.values_list("use_case_id", flat=True)) == [other.pk]
    assert set(DirtyPeriod.objects.values_list("use_case_id", flat=True)) == {other.pk}


def test_the_endpoint_is_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    post_ = schema["paths"]["/api/v1/metrics/samples/"]["post"]
    body = post_["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert body["items"]["$ref"].endswith("/SampleRequest")
    assert {"201", "400", "401", "413"} <= set(post_["responses"])
    assert post_["security"] == [{"apiToken": []}]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    sample = schema["components"]["schemas"]["SampleRequest"]["properties"]
    assert {
        "use_case",
        "metric",
        "timestamp",
        "value",
        "numerator",
        "denominator",
        "client_id",
        "replace",
    } == set(sample)
    for path in (
        "/api/v1/metrics/rollups/recompute/",
        "/api/v1/metrics/definitions/",
        "/api/v1/metrics/targets/",
    ):
        assert path in schema["paths"]
