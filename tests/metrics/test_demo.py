"""The demo seeder: 90 days of samples through the ingestion service, rolled up, idempotent, and
telling the intended story (claims triage misses its acceptance target)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db.models import Max, Min
from django.utils import timezone

from metrics import demo
from metrics.checks import metric_gate_check
from metrics.models import DirtyPeriod, MetricTarget, Rollup, Sample
from readiness.gate import Target
from readiness.models import Role
from tests.factories import judge, make_use_case

pytestmark = pytest.mark.django_db


def test_seeder_sends_ninety_days_rolls_up_and_is_idempotent(org, admin, pm, monkeypatch):
    frozen = timezone.now()
    monkeypatch.setattr(demo.timezone, "now", lambda: frozen)  # both runs see the same hour
    claims = make_use_case(
        org,
        pm,
        name="Claims triage assistance",
        start_date=timezone.localdate() - dt.timedelta(days=68),
    )
    prep = make_use_case(
        org,
        pm,
        name="Decision-support preparation",
        start_date=timezone.localdate() - dt.timedelta(days=104),
    )
    users = {Role.ORG_ADMIN: admin, Role.PROGRAM_MANAGER: pm}
    out = io.StringIO()
    demo.seed(organization=org, users=users, stdout=out)
    assert "sample(s) stored" in out.getvalue()
    span = Sample.objects.aggregate(first=Min("ts"), last=Max("ts"))
    assert span["last"] <= timezone.now()
    assert (span["last"] - span["first"]).days >= 88
    for uc in (claims, prep):
        keys = set(
            Sample.objects.filter(use_case=uc).values_list("metric__key", flat=True).distinct()
        )
        assert len(keys) == 11
        assert MetricTarget.objects.filter(use_case=uc).count() == 11
        assert Rollup.objects.filter(use_case=uc, period="day").count() >= 11 * 89
    assert not DirtyPeriod.objects.exists()

    production = Target("production", "Production", 3)
    blockers = judge(metric_gate_check, claims, production)
    assert [b.detail["metric"] for b in blockers] == ["acceptance_rate"]
    assert judge(metric_gate_check, prep, production) == []

    # Trends improve after go-live: the acceptance rate of the last week beats that of the first.
    daily = Rollup.objects.filter(
        use_case=prep, period="day", metric__key="acceptance_rate"
    ).order_by("period_start")
    first = [r.rate for r in daily[:7]]
    last = [r.rate for r in daily.reverse()[:7]]
    assert sum(last) / 7 > sum(first) / 7 + 0.1

    counts = (Sample.objects.count(), Rollup.objects.count(), MetricTarget.objects.count())
    demo.seed(organization=org, users=users, stdout=io.StringIO())
    assert (Sample.objects.count(), Rollup.objects.count(), MetricTarget.objects.count()) == counts
