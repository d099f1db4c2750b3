"""The ingestion path's shortcuts keep every check: the token and the tenant scope read in one
statement, new samples by one COPY without a savepoint (a batch with stored keys rolled back and
sent the comparing way), and the audit record with its chain head in one statement."""

import pytest
from django.db import connection

from metrics import services
from metrics.ingestion.auth import _lookup
from metrics.ingestion.samples import scope_of
from metrics.models import DirtyPeriod, Sample
from readiness.audit.verify import verify_chain
from readiness.models import AuditEvent
from tests.factories import make_use_case
from tests.metrics.ingest_support import ago, iso, make_token, measured, post, rate

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement scope is PostgreSQL's"
)


@needs_postgres
def test_the_scope_read_with_the_token_is_the_organizations(
    org, admin, pm, use_case, other_org, django_assert_num_queries
):
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
    second = make_use_case(org, pm, name="Claims intake")
    token, raw = make_token(org, admin, use_cases=[second])
    found = _lookup(raw)
    assert found.token == token and found.token.organization == org
    assert found.allowed_use_case_ids == frozenset({second.pk})
    assert found.scope == scope_of(org.pk)
    assert found.scope is not None and "handoffs" in found.scope[1]
    assert other_org[2].pk not in found.scope[0]
    with django_assert_num_queries(0):
        assert found.token.organization.slug == org.slug  # loaded with the token


def test_what_changes_between_two_batches_counts_at_the_next(client, org, admin, pm, use_case):
    _, raw = make_token(org, admin)
    assert post(client, raw, [measured(use_case)]).status_code == 201
    # A use case, and a metric with a range, made after the token's last request.
    later = make_use_case(org, pm, name="Claims intake")
    services.metric_definition_create(
        actor=admin,
        organization=org,
        key="handoffs",
        name="Handoffs",
        level="business",
        kind="count",
        unit="cases",
        direction="higher",
        max_value=10,
    )
    response = post(client, raw, [measured(later, metric="handoffs", value=3)])
    assert response.status_code == 201, response.content
    response = post(client, raw, [measured(later, metric="handoffs", value=11)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "value"


def test_a_batch_with_stored_keys_keeps_nothing_of_its_first_try(client, org, admin, use_case):
    _, raw = make_token(org, admin)
    when = iso(ago(minutes=5))
    first = [measured(use_case, client_id=f"c{i}", timestamp=when) for i in range(3)]
    assert post(client, raw, first).json()["stored"] == 3
    events = AuditEvent.objects.filter(action="metrics.samples.ingest")
    DirtyPeriod.objects.all().delete()  # as if the roll-up job had run
    # Two stored (a retry), two new, one a rate: the COPY meets a stored key, the whole first
    # try rolls back, and the batch is compared key by key.
    mixed = [
        *first[1:],
        measured(use_case, client_id="n1", timestamp=when),
        rate(use_case, client_id="n2", timestamp=when),
    ]
    response = post(client, raw, mixed)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "received": 4,
        "stored": 2,
        "duplicates": 2,
        "replaced": 0,
        "rejected": 0,
    }
    assert Sample.objects.count() == 5
    assert events.count() == 2  # one record per batch, none from the rolled-back try
    newest = events.first()
    assert newest is not None and newest.after["stored"] == 2
    assert DirtyPeriod.objects.filter(period="day").count() == 2  # latency and the rate
    assert verify_chain(org) == []


def test_a_conflict_found_on_the_second_way_is_refused_whole(client, org, admin, use_case):
    _, raw = make_token(org, admin)
    assert post(client, raw, [measured(use_case, client_id="k", value=100)]).status_code == 201
    before = AuditEvent.objects.count()
    response = post(
        client, raw, [measured(use_case, client_id="new"), measured(use_case, client_id="k")]
    )
    assert response.status_code == 409
    assert [e["row"] for e in response.json()["errors"]] == [1]
    assert set(Sample.objects.values_list("client_id", flat=True)) == {"k"}
    assert AuditEvent.objects.count() == before


def test_every_batch_leaves_the_audit_chain_verifiable(client, org, admin, use_case):
    _, raw = make_token(org, admin)
    for n in range(5):
        batch = [measured(use_case, client_id=f"b{n}-{i}") for i in range(4)]
        assert post(client, raw, batch).status_code == 201
    assert verify_chain(org) == []
    records = list(
        AuditEvent.objects.filter(organization=org)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert records == list(range(1, len(records) + 1))
