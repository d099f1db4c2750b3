"""Short leases on claimed periods, renewed while the batch computes, and a bounded run time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from metrics import rollups
from metrics.models import DirtyPeriod
from metrics.rollups import jobs
from metrics.services import samples_ingest
from tests.metrics.ingest_support import iso, measured

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and SKIP LOCKED need PostgreSQL"
)


def test_leases_are_short_by_default(settings):
    assert settings.METRICS_ROLLUP_LEASE_SECONDS <= 90
    assert settings.CELERY_BEAT_SCHEDULE["metrics-rollup"]["schedule"] <= 60
    assert rollups.lease() == dt.timedelta(seconds=settings.METRICS_ROLLUP_LEASE_SECONDS)


@needs_postgres
def test_renew_extends_the_claims_still_held_and_not_the_settled_ones(org, admin, use_case, now):
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[measured(use_case, timestamp=iso(now - dt.timedelta(days=d))) for d in range(3)],
    )
    claims = rollups.claim()
    assert claims
    settled, held = claims[0], claims[1:]
    DirtyPeriod.objects.filter(pk=settled.id).update(claimed_until=None)
    short = timezone.now() + dt.timedelta(seconds=5)
    DirtyPeriod.objects.filter(pk__in=[c.id for c in held]).update(claimed_until=short)

    assert rollups.renew(claims) == len(held)
    leases = dict(DirtyPeriod.objects.values_list("pk", "claimed_until"))
    assert leases[settled.id] is None  # handed back: not taken again by a renewal
    assert all(leases[c.id] > short + dt.timedelta(seconds=30) for c in held)


@override_settings(METRICS_ROLLUP_LEASE_SECONDS=3)
def test_the_batch_renews_its_lease_while_it_computes(org, admin, use_case, now, monkeypatch):
    """The renewal runs beside the computation, every third of the lease, and stops with it."""
    samples_ingest(actor=admin, organization=org, samples=[measured(use_case, timestamp=iso(now))])
    renewed = threading.Event()
    monkeypatch.setattr(jobs, "renew", lambda claims: renewed.set() or len(claims))
    real = jobs.compute

    def slow(*args, **kwargs):
        assert renewed.wait(timeout=10), "no renewal while computing"
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "compute", slow)
    result = rollups.rollup_pending()
    assert result.claimed == 2 and not DirtyPeriod.objects.exists()
    assert not [t for t in threading.enumerate() if t.name == "rollup-lease"]


def test_a_run_stops_claiming_when_its_time_is_up(org, admin, use_case, now):
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[measured(use_case, timestamp=iso(now - dt.timedelta(days=d))) for d in range(4)],
    )
    marks = DirtyPeriod.objects.count()  # four days and their week(s)
    assert rollups.rollup_pending(limit=1, seconds=0).claimed == 0
    assert DirtyPeriod.objects.count() == marks
    assert rollups.rollup_pending(limit=1, seconds=60).claimed == marks
