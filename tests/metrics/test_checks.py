"""The metric gate: quality metrics with a target must meet it over the last 14 days with
enough samples, judged on the confidence interval; refusals say which, by how much, and where."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from metrics import rollups
from metrics.checks import metric_gate_check, scorecard_url
from metrics.services import metric_definition_create, metric_target_set, samples_ingest
from readiness import gate
from readiness.gate import Target
from readiness.models import UseCase
from tests.factories import judge
from tests.metrics.ingest_support import iso, metric

pytestmark = pytest.mark.django_db

PRODUCTION = Target("production", "Production", 3)
PHASE_3 = Target("phase:3", "Phase 3", 2)
SCALE = Target("scale", "Scale", None)


def _target(actor, use_case, key, target, warning=None):
    metric_target_set(
        actor=actor,
        use_case=use_case,
        metric=metric(key),
        target=target,
        warning=warning,
        baseline=None,
    )


def _send_rates(actor, org, use_case, key, successes, trials, *, days=7, ago_days=0):
    """Spread successes/trials over ``days`` daily samples, then roll up."""
    now = timezone.now() - dt.timedelta(hours=1)
    samples = []
    for d in range(days):
        s = successes // days + (1 if d < successes % days else 0)
        n = trials // days + (1 if d < trials % days else 0)
        when = now - dt.timedelta(days=ago_days + d)
        samples.append(
            {
                "use_case": use_case.pk,
                "metric": key,
                "timestamp": iso(when),
                "numerator": s,
                "denominator": n,
                "client_id": f"{key}-{ago_days}-{d}-{trials}",
            }
        )
    samples_ingest(actor=actor, organization=org, samples=samples)
    rollups.rollup_pending()


def codes(blockers):
    return [b.code for b in blockers]


def test_only_the_later_gates_are_checked(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    assert judge(metric_gate_check, use_case, Target("phase:2", "Phase 2", 1)) == []
    for target in (PHASE_3, PRODUCTION, SCALE):
        assert codes(judge(metric_gate_check, use_case, target)) == ["metric_not_enough_data"]


def test_no_targets_no_blockers(org, pm, use_case):
    _send_rates(pm, org, use_case, "acceptance_rate", 10, 1000)
    assert judge(metric_gate_check, use_case, PRODUCTION) == []


def test_not_enough_samples_blocks_with_the_count(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    _send_rates(pm, org, use_case, "acceptance_rate", 180, 190)
    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_not_enough_data"
    assert blocker.message.startswith("Acceptance rate: 190 trials in the last 14 days")
    assert "at least 200" in blocker.message and "75.0%" in blocker.message
    assert (
        blocker.url
        == scorecard_url(use_case)
        == f"/o/{org.slug}/metrics/use-cases/{use_case.pk}/scorecard/"
    )
    assert blocker.source == "metrics"
    assert blocker.detail["samples"] == 190


def test_a_point_estimate_over_target_is_not_enough_when_the_interval_dips_below(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    _send_rates(pm, org, use_case, "acceptance_rate", 160, 200)  # 80%, interval ~74% to 85%
    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_off_target"
    assert "Acceptance rate is 80.0% over the last 14 days" in blocker.message
    assert "95% interval 73.9% to 85.0%" in blocker.message
    assert "200 trials" in blocker.message
    assert "at least 75.0%" in blocker.message and "lower bound" in blocker.message
    assert blocker.detail["ci_low"] < 0.75 < blocker.detail["value"]


def test_enough_evidence_above_the_target_passes(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    _send_rates(pm, org, use_case, "acceptance_rate", 1700, 2000)  # 85%, interval ~83% to 87%
    assert judge(metric_gate_check, use_case, PRODUCTION) == []


def test_lower_is_better_is_judged_on_the_upper_bound(org, pm, use_case):
    _target(pm, use_case, "edit_rate", 0.25)
    _send_rates(pm, org, use_case, "edit_rate", 460, 2000)  # 23%, upper bound ~24.9%
    assert judge(metric_gate_check, use_case, PRODUCTION) == []
    _send_rates(pm, org, use_case, "edit_rate", 100, 300, days=2)  # now 560/2300 = 24.3%
    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_off_target"
    assert "at most 25.0%" in blocker.message and "upper bound" in blocker.message


def test_samples_older_than_the_window_do_not_count(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    _send_rates(pm, org, use_case, "acceptance_rate", 1800, 2000, ago_days=15)
    assert codes(judge(metric_gate_check, use_case, PRODUCTION)) == ["metric_not_enough_data"]


@override_settings(METRICS_GATE_MIN_SAMPLES=50, METRICS_GATE_WINDOW_DAYS=3)
def test_the_minimum_and_the_window_are_settings(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.5)
    _send_rates(pm, org, use_case, "acceptance_rate", 90, 100, days=2)
    assert judge(metric_gate_check, use_case, PRODUCTION) == []


def test_system_and_business_targets_are_not_gated(org, pm, use_case):
    _target(pm, use_case, "error_rate", 0.01)
    _target(pm, use_case, "throughput", 100)
    assert judge(metric_gate_check, use_case, PRODUCTION) == []


def test_every_failing_quality_metric_is_named(org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.9)
    _target(pm, use_case, "escalation_rate", 0.05)
    _target(pm, use_case, "edit_rate", 0.2)
    _send_rates(pm, org, use_case, "acceptance_rate", 1600, 2000)
    _send_rates(pm, org, use_case, "escalation_rate", 200, 2000)
    _send_rates(pm, org, use_case, "edit_rate", 100, 2000)
    blockers = judge(metric_gate_check, use_case, SCALE)
    assert [b.detail["metric"] for b in blockers] == ["acceptance_rate", "escalation_rate"]


def test_a_measured_quality_metric_uses_the_mean_and_its_interval(org, admin, pm, use_case):
    review = metric_definition_create(
        actor=admin,
        organization=org,
        key="review_minutes",
        name="Review minutes",
        level="quality",
        kind="measured",
        unit="min",
        direction="lower",
    )
    metric_target_set(
        actor=pm, use_case=use_case, metric=review, target=5.0, warning=None, baseline=None
    )
    now = timezone.now() - dt.timedelta(hours=1)
    samples = [
        {
            "use_case": use_case.pk,
            "metric": "review_minutes",
            "timestamp": iso(now - dt.timedelta(minutes=i)),
            "value": 4.0 + (i % 3) * 0.5,
            "client_id": f"r{i}",
        }
        for i in range(300)
    ]
    samples_ingest(actor=pm, organization=org, samples=samples)
    assert judge(metric_gate_check, use_case, PRODUCTION) == []
    metric_target_set(
        actor=pm, use_case=use_case, metric=review, target=4.4, warning=None, baseline=None
    )
    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_off_target"
    assert "Review minutes is 4.50 min" in blocker.message and "300 samples" in blocker.message


def test_the_gate_refuses_a_transition_with_the_metric_blockers(client, org, pm, use_case):
    _target(pm, use_case, "acceptance_rate", 0.75)
    _send_rates(pm, org, use_case, "acceptance_rate", 1300, 2000)  # 65%: off target
    UseCase.objects.filter(pk=use_case.pk).update(current_phase=3)
    use_case.refresh_from_db()
    blockers = gate.evaluate(use_case, gate.next_target(use_case))
    assert "metric_off_target" in codes(blockers)
    client.force_login(pm)
    response = client.post(
        f"/api/v1/use-cases/{use_case.pk}/transition/",
        {"expected_phase": 3},
        content_type="application/json",
    )
    assert response.status_code == 409
    metric_blockers = [b for b in response.json()["blockers"] if b["source"] == "metrics"]
    assert metric_blockers and metric_blockers[0]["detail"]["metric"] == "acceptance_rate"


def test_the_precision_case_passes_the_gate(org, admin, pm, use_case):
    """500 values around 1e6 with a spread of 0.01: Σx² - n·mean² gave [1e6+0.00805,
    1e6+0.01197] and refused a target of 1e6+0.011; the correct interval is about
    [1e6+0.0092, 1e6+0.0108]."""
    import numpy as np

    delay = metric_definition_create(
        actor=admin,
        organization=org,
        key="clock_skew",
        name="Clock skew",
        level="quality",
        kind="measured",
        unit="us",
        direction="lower",
    )
    target = 1e6 + 0.011
    metric_target_set(
        actor=pm, use_case=use_case, metric=delay, target=target, warning=None, baseline=None
    )
    # Mean 1e6 + 0.01, standard deviation about 0.0096 (the case).
    values = [1e6 + 0.01 + (0.0096 if i % 2 else -0.0096) for i in range(500)]
    now = timezone.now() - dt.timedelta(hours=1)
    samples_ingest(
        actor=pm,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "clock_skew",
                "timestamp": iso(now - dt.timedelta(seconds=i)),
                "value": v,
                "client_id": f"s{i}",
            }
            for i, v in enumerate(values)
        ],
    )
    assert judge(metric_gate_check, use_case, PRODUCTION) == []
    # The interval the gate used, against NumPy on the deviations (exact in floats).
    metric_target_set(
        actor=pm, use_case=use_case, metric=delay, target=1e6, warning=None, baseline=None
    )
    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    deviations = np.array(values) - 1e6
    half = 1.959963984540054 * deviations.std(ddof=1) / np.sqrt(len(values))
    low, high = deviations.mean() - half, deviations.mean() + half
    assert abs((blocker.detail["ci_low"] - 1e6) - low) < 1e-7
    assert abs((blocker.detail["ci_high"] - 1e6) - high) < 1e-7
    assert 0.0090 < low < 0.0095 and 0.0105 < high < 0.0110
    # The message shows digits enough to see why: not "1e+06 us to 1e+06 us".
    assert "1e+06" not in blocker.message
    assert f"{1e6 + low:,.4f}"[:-1] in blocker.message


def test_a_count_is_judged_on_its_daily_totals(org, admin, pm, use_case):
    cases = metric_definition_create(
        actor=admin,
        organization=org,
        key="cases_closed",
        name="Cases closed",
        level="quality",
        kind="count",
        unit="cases",
        direction="higher",
    )
    metric_target_set(
        actor=pm, use_case=use_case, metric=cases, target=100, warning=None, baseline=None
    )
    now = timezone.now()
    # Seven complete days with 140 cases a day, reported in 10 reports of 14 each.
    samples = [
        {
            "use_case": use_case.pk,
            "metric": "cases_closed",
            # Noon UTC of each of the seven days before today: complete days.
            "timestamp": f"{(now - dt.timedelta(days=d)).date().isoformat()}T12:{r:02d}:00Z",
            "value": 14 + (r % 2) * 2 - 1,
            "client_id": f"d{d}-r{r}",
        }
        for d in range(1, 8)
        for r in range(10)
    ]
    samples_ingest(actor=pm, organization=org, samples=samples)
    rollups.rollup_pending()
    assert judge(metric_gate_check, use_case, PRODUCTION) == []
    # Fewer days than the minimum: not enough data, said in days.
    with override_settings(METRICS_GATE_MIN_DAYS=8):
        (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_not_enough_data"
    assert "7 days of totals" in blocker.message and "cases/day" in blocker.message
