"""Bounds at the door and corrections: every value is finite and inside its metric's range,
counts are whole, rates have a trial; the API needs a client id; a resend with another value
is refused as a duplicate, and a correction is explicit (``"replace": true``), audited and
recomputed."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics import rollups
from metrics.models import DirtyPeriod, MetricDefinition, Rollup, Sample
from metrics.services import metric_definition_create, metric_definition_update
from readiness.models import AuditEvent
from tests.metrics.ingest_support import ago, iso, make_token, measured, post, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(org, admin):
    return make_token(org, admin)[1]


def _errors(response) -> set[tuple[int | None, str | None]]:
    return {(e["row"], e["field"]) for e in response.json()["errors"]}


def test_the_poison_values_are_refused_with_their_rows_named(client, use_case, token):
    batch = [
        measured(use_case, value=120.0),  # 0: fine
        measured(use_case, value=1e200),  # 1
        measured(use_case, value=1e308),  # 2
        measured(use_case, value=-1),  # 3: a negative latency
        rate(use_case, num=0, den=0),  # 4: a rate with no trial
        measured(use_case, metric="token_cost", value=1e200),  # 5
        measured(use_case, metric="throughput", value=1e308),  # 6
    ]
    response = post(client, token, batch)
    assert response.status_code == 400
    assert _errors(response) == {
        (1, "value"),
        (2, "value"),
        (3, "value"),
        (4, "denominator"),
        (5, "value"),
        (6, "value"),
    }
    messages = {e["row"]: e["message"] for e in response.json()["errors"]}
    assert "outside the valid range of 'latency_ms': 0 to 86,400,000" in messages[3]
    assert "1e+200" in messages[1]
    assert "at least one trial" in messages[4]
    assert Sample.objects.count() == 0


def test_the_edges_of_a_range_are_accepted(client, use_case, token):
    batch = [
        measured(use_case, value=0),
        measured(use_case, value=86_400_000),
        measured(use_case, metric="throughput", value=0),
        measured(use_case, metric="throughput", value=12.0),  # a whole float is a whole number
        rate(use_case, num=0, den=1),
    ]
    response = post(client, token, batch)
    assert response.status_code == 201, response.content
    assert response.json()["stored"] == 5


def test_a_count_is_a_whole_number_and_a_latency_at_most_a_day(client, use_case, token):
    batch = [
        measured(use_case, metric="throughput", value=2.5),
        measured(use_case, value=86_400_000.5),
    ]
    response = post(client, token, batch)
    assert _errors(response) == {(0, "value"), (1, "value")}
    assert "whole number" in response.json()["errors"][0]["message"]


def test_builtin_metrics_carry_physical_bounds():
    latency = MetricDefinition.objects.get(organization=None, key="latency_ms")
    assert latency.value_range() == (0.0, 86_400_000.0)
    for key in ("token_cost", "cycle_time_h", "response_time_h", "case_capacity", "throughput"):
        assert MetricDefinition.objects.get(organization=None, key=key).min_value == 0


def test_an_organization_sets_the_range_of_its_own_metric(client, org, admin, use_case, token):
    score = metric_definition_create(
        actor=admin,
        organization=org,
        key="review_score",
        name="Review score",
        level="quality",
        kind="measured",
        unit="points",
        direction="higher",
        min_value=1,
        max_value=5,
    )
    response = post(client, token, [measured(use_case, metric="review_score", value=6)])
    assert _errors(response) == {(0, "value")}
    assert "1 to 5" in response.json()["errors"][0]["message"]
    metric_definition_update(actor=admin, definition=score, max_value=10)
    response = post(client, token, [measured(use_case, metric="review_score", value=6)])
    assert response.status_code == 201
    # A metric without a range still takes no value past 1e15 in size.
    metric_definition_create(
        actor=admin,
        organization=org,
        key="free",
        name="Free",
        level="system",
        kind="measured",
        unit="units",
        direction="higher",
    )
    response = post(client, token, [measured(use_case, metric="free", value=-1e200)])
    assert _errors(response) == {(0, "value")}


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"min_value": 5, "max_value": 1}, "max_value"),
        ({"min_value": float("nan")}, "min_value"),
        ({"max_value": 1e300}, "max_value"),
        ({"kind": "count", "min_value": -1}, "min_value"),
    ],
)
def test_a_range_that_makes_no_sense_is_refused(org, admin, fields, field):
    from django.core.exceptions import ValidationError

    values = {
        "key": "bad_range",
        "name": "Bad range",
        "level": "system",
        "kind": "measured",
        "unit": "units",
        "direction": "higher",
        **fields,
    }
    with pytest.raises(ValidationError) as refused:
        metric_definition_create(actor=admin, organization=org, **values)
    assert field in refused.value.message_dict


# --- Client ids, duplicates and corrections ---------------------------------------------------


def test_the_api_requires_a_client_id(client, use_case, token):
    sample = measured(use_case)
    del sample["client_id"]
    response = post(client, token, [measured(use_case), sample])
    assert response.status_code == 400
    assert _errors(response) == {(1, "client_id")}
    assert "client id is required" in response.json()["errors"][0]["message"]
    assert Sample.objects.count() == 0


def test_a_resend_with_another_value_is_refused_as_a_duplicate(client, use_case, token):
    when = iso(ago(hours=1))
    first = measured(use_case, value=100.0, timestamp=when, client_id="req-1")
    assert post(client, token, [first]).status_code == 201
    other = measured(use_case, value=100.0, timestamp=when, client_id="req-2")
    changed = {**first, "value": 150.0}
    response = post(client, token, [other, changed])
    assert response.status_code == 409
    assert _errors(response) == {(1, "client_id")}
    assert "duplicate" in response.json()["errors"][0]["message"]
    assert '"replace": true' in response.json()["errors"][0]["message"]
    # Nothing of the batch was stored, and the first value stands.
    assert list(Sample.objects.values_list("client_id", "value")) == [("req-1", 100.0)]


def test_a_correction_replaces_the_sample_audited_and_recomputed(client, org, use_case, token):
    old_day = ago(days=3)
    first = measured(use_case, value=100.0, timestamp=iso(old_day), client_id="req-1")
    keep = measured(use_case, value=300.0, timestamp=iso(old_day), client_id="req-2")
    assert post(client, token, [first, keep]).status_code == 201
    rollups.rollup_pending()
    old = old_day.astimezone(dt.UTC).date()
    assert Rollup.objects.get(period="day", period_start=old).mean == 200.0

    new_day = ago(hours=1)
    correction = {**first, "value": 140.0, "timestamp": iso(new_day), "replace": True}
    response = post(client, token, [correction])
    assert response.status_code == 201, response.content
    assert response.json() == {
        "received": 1,
        "stored": 0,
        "duplicates": 0,
        "replaced": 1,
        "rejected": 0,
    }
    stored = Sample.objects.get(client_id="req-1")
    assert stored.value == 140.0 and abs(stored.ts - new_day) < dt.timedelta(microseconds=1)
    event = AuditEvent.objects.filter(action="metrics.samples.ingest").latest("pk")
    assert event.after["replaced"] == 1 and event.after["replaced_client_ids"] == ["req-1"]
    # Both the day it left and the day it entered are recomputed.
    marked = set(DirtyPeriod.objects.filter(period="day").values_list("period_start", flat=True))
    assert {old, new_day.astimezone(dt.UTC).date()} <= marked
    rollups.rollup_pending()
    assert Rollup.objects.get(period="day", period_start=old).mean == 300.0
    new = Rollup.objects.get(period="day", period_start=new_day.astimezone(dt.UTC).date())
    assert new.mean == 140.0 and new.count == 1

    # The same correction sent again changes nothing: it is a plain duplicate.
    response = post(client, token, [correction])
    assert response.json()["duplicates"] == 1 and response.json()["replaced"] == 0


def test_a_correction_of_a_sample_never_stored_stores_it(client, use_case, token):
    response = post(client, token, [measured(use_case, client_id="new", replace=True)])
    assert response.status_code == 201
    assert response.json()["stored"] == 1


def test_replace_must_be_true_or_false(client, use_case, token):
    response = post(client, token, [measured(use_case, replace="yes")])
    assert _errors(response) == {(0, "replace")}


def test_a_csv_resend_with_another_value_is_rejected_row_by_row(org, pm, use_case):
    from metrics.services import samples_ingest

    when = iso(ago(hours=2))
    row = {"use_case": use_case.pk, "metric": "latency_ms", "timestamp": when, "value": 5.0}
    samples_ingest(actor=pm, organization=org, samples=[row], client_id_prefix="f-")
    again = samples_ingest(
        actor=pm,
        organization=org,
        samples=[{**row, "value": 6.0}, {**row, "value": 7.0, "client_id": "x"}],
        partial=True,
        client_id_prefix="f-",
    )
    assert (again.stored, again.rejected) == (1, 1)
    assert [(e["row"], e["field"]) for e in again.errors] == [(0, "client_id")]
    assert Sample.objects.get(client_id="f-0").value == 5.0
