"""Fresh figures and their age: right after a batch, with no roll-up run, the gate, the
scorecard page, its API and its export judge the same figures; each says when they were
computed and marks today's partial day. The organization's choice of p50 or p95 for measured
metrics reaches the scorecard, the API, the exports and the portfolio trend. Clock frozen."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from metrics import rollups, selectors
from metrics.checks import metric_gate_check
from metrics.models import DirtyPeriod, Rollup
from metrics.services import metric_target_set, metrics_settings_update, samples_ingest
from readiness.models import AuditEvent, MeasuredStatistic, Organization
from tests.conftest import ADMIN_ONLY, roles_except
from tests.factories import judge
from tests.metrics.ingest_support import iso, metric, send_rates
from tests.metrics.scorecard_support import card_url, export_url, read_csv
from tests.metrics.test_checks import PRODUCTION

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)  # a Wednesday
WEEK = dt.date(2026, 2, 23)  # the last complete week: Monday 23 Feb to Sunday 1 Mar


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _latencies(admin, org, use_case, values, *, day=WEEK):
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "latency_ms",
                "timestamp": iso(
                    dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=i)
                ),
                "value": value,
                "client_id": f"lat-{day}-{i}",
            }
            for i, value in enumerate(values)
        ],
    )


def _line(card, key):
    return next(line for line in card.lines if line.metric.key == key)


def test_right_after_a_batch_the_gate_and_the_scorecard_agree(client, org, admin, pm, use_case):
    metric_target_set(
        actor=pm,
        use_case=use_case,
        metric=metric("acceptance_rate"),
        target=0.75,
        warning=None,
        baseline=None,
    )
    week_days = [WEEK + dt.timedelta(days=d) for d in range(7)]
    send_rates(admin, org, use_case, days=week_days, successes=16, trials=20)  # 140 trials, 80%
    assert DirtyPeriod.objects.filter(use_case=use_case).exists()
    assert not Rollup.objects.filter(use_case=use_case).exists()  # no roll-up has run

    (blocker,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert blocker.code == "metric_not_enough_data"
    assert blocker.detail["samples"] == 140  # not "0 trials in the last 14 days"
    assert blocker.message.startswith(
        "Acceptance rate: 140 trials in the last 14 days (today so far included)"
    )
    # Absolute: the message is audited with a refusal and stored with the use case's readiness.
    assert "Figures computed at 10:30 UTC on 4 Mar 2026." in blocker.message
    assert blocker.detail["computed_at"] == T0.isoformat()

    card = selectors.use_case_scorecard(use_case)
    line = _line(card, "acceptance_rate")
    assert (line.samples, line.value, line.period_start) == (140, 0.8, WEEK)
    api = APIClient()
    api.force_login(pm)
    body = api.get(f"/api/v1/metrics/scorecards/{use_case.pk}/").json()
    (quality,) = [level for level in body["levels"] if level["level"] == "quality"]
    (acceptance,) = [m for m in quality["metrics"] if m["metric"] == "acceptance_rate"]
    assert acceptance["sample_size"] == blocker.detail["samples"] == 140
    assert acceptance["sample_size_of"] == "trials" and acceptance["status"] == "on_target"
    assert body["computed_at"] == "2026-03-04T10:30:00Z"
    assert body["partial_days"] == ["2026-03-04"] and body["week_in_progress"] == "2026-03-02"
    client.force_login(pm)
    portfolio = client.get(f"/o/{org.slug}/metrics/scorecards/").content.decode()
    assert "Figures computed at 10:30 UTC, just now." in portfolio

    # The roll-up job then stores the same figures: nothing a reader sees changes.
    rollups.rollup_pending()
    assert not DirtyPeriod.objects.filter(use_case=use_case).exists()
    (after,) = judge(metric_gate_check, use_case, PRODUCTION)
    assert after.detail["samples"] == 140
    assert _line(selectors.use_case_scorecard(use_case), "acceptance_rate").samples == 140


def test_a_late_sample_for_a_rolled_up_week_counts_at_once(org, admin, pm, use_case):
    send_rates(admin, org, use_case, days=[WEEK], successes=8, trials=10)
    rollups.rollup_pending()
    send_rates(admin, org, use_case, days=[WEEK + dt.timedelta(days=3)], successes=2, trials=10)
    line = _line(selectors.use_case_scorecard(use_case), "acceptance_rate")
    assert (line.samples, line.value) == (20, 0.5)
    stored = Rollup.objects.get(use_case=use_case, period="week", period_start=WEEK)
    assert stored.trials == 10  # the stored roll-up is behind; the page is not
    cards = selectors.scorecards_for([use_case])
    (portfolio_line,) = [
        line for g in cards[use_case.pk] for line in g.lines if line.metric.key == "acceptance_rate"
    ]
    assert portfolio_line.samples == 20


def test_the_page_says_when_figures_were_computed_and_labels_today(
    client, org, admin, viewer, use_case, clock
):
    send_rates(admin, org, use_case, days=[WEEK, T0.date()], successes=8, trials=10)
    rollups.rollup_pending()
    clock.shift(dt.timedelta(minutes=2))  # read two minutes after the roll-up
    client.force_login(viewer)
    page = client.get(card_url(use_case)).content.decode()
    assert "Figures computed at 10:30 UTC, 2 min ago" in page
    # Today's row of the daily table is labelled; yesterday's is not.
    assert 'Wed 4 Mar <small class="partial-label">today so far</small>' in page
    assert page.count('<small class="partial-label">today so far</small>') == 1
    assert "Measured metrics show the median (p50)" in page


def test_the_export_says_when_and_what(client, org, admin, viewer, use_case):
    _latencies(admin, org, use_case, [100.0, 200.0, 300.0, 400.0])
    client.force_login(viewer)
    rows = read_csv(client.get(export_url(use_case, "csv")))
    (latency,) = [r for r in rows if r["Metric key"] == "latency_ms"]
    assert latency["Statistic"] == "median (p50)"
    assert latency["Computed at (UTC)"] == "2026-03-04 10:30:00"
    assert latency["Value"] == "250.0"


# The organization's statistic for measured metrics

VALUES = [float(v) for v in range(1, 101)]  # p50 = 50.5, p95 = 95.05 (linear interpolation)


@pytest.mark.parametrize(
    ("statistic", "expected", "label"),
    [("p50", 50.5, "median (p50)"), ("p95", 95.05, "95th percentile (p95)")],
)
def test_each_choice_reaches_the_scorecard_the_api_and_the_exports(
    client, org, admin, pm, use_case, statistic, expected, label
):
    metrics_settings_update(actor=admin, organization=org, measured_statistic=statistic)
    metric_target_set(
        actor=pm,
        use_case=use_case,
        metric=metric("latency_ms"),
        target=90.0,
        warning=100.0,
        baseline=None,
    )
    _latencies(admin, org, use_case, VALUES)
    use_case.organization.refresh_from_db()
    line = _line(selectors.use_case_scorecard(use_case), "latency_ms")
    assert line.value == pytest.approx(expected, rel=1e-12)
    assert line.statistic_label == label
    # p50 meets a target of 90 ms; p95 (95.05) is past it but within the warning.
    assert line.status == ("on_target" if statistic == "p50" else "at_risk")

    api = APIClient()
    api.force_login(pm)
    body = api.get(f"/api/v1/metrics/scorecards/{use_case.pk}/").json()
    assert body["statistic"] == statistic
    (system,) = [level for level in body["levels"] if level["level"] == "system"]
    (latency,) = [m for m in system["metrics"] if m["metric"] == "latency_ms"]
    assert latency["statistic"] == statistic and latency["value"] == pytest.approx(expected)
    assert latency["statistic_label"] == label

    client.force_login(pm)
    (row,) = [
        r
        for r in read_csv(client.get(export_url(use_case, "csv")))
        if r["Metric key"] == "latency_ms"
    ]
    assert float(row["Value"]) == pytest.approx(expected) and row["Statistic"] == label
    portfolio = read_csv(client.get(f"/o/{org.slug}/metrics/scorecards/export.csv"))
    (prow,) = [r for r in portfolio if r["Metric key"] == "latency_ms"]
    assert float(prow["Value"]) == pytest.approx(expected)

    rollups.rollup_pending()
    trend = selectors.portfolio_trend(org)
    judged = trend.latest("system")
    assert judged.get("on_target" if statistic == "p50" else "at_risk") == 1

    page = client.get(card_url(use_case)).content.decode()
    assert f"Measured metrics show the {label}" in page


def test_the_setting_is_saved_audited_and_shown(client, org, admin):
    client.force_login(admin)
    page = client.get(f"/o/{org.slug}/metrics/definitions/").content.decode()
    assert 'name="measured_statistic"' in page
    response = client.post(f"/o/{org.slug}/metrics/settings/", {"measured_statistic": "p95"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).measured_statistic == MeasuredStatistic.P95
    event = AuditEvent.objects.filter(action="metrics.settings_update").get()
    assert (event.before, event.after) == (
        {"measured_statistic": "p50"},
        {"measured_statistic": "p95"},
    )
    # Saving the same choice again changes nothing and records nothing.
    client.post(f"/o/{org.slug}/metrics/settings/", {"measured_statistic": "p95"})
    assert AuditEvent.objects.filter(action="metrics.settings_update").count() == 1


def test_a_bad_choice_is_refused_and_nothing_saved(client, org, admin):
    client.force_login(admin)
    response = client.post(f"/o/{org.slug}/metrics/settings/", {"measured_statistic": "p99"})
    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("p99" in m for m in messages)
    assert Organization.objects.get(pk=org.pk).measured_statistic == MeasuredStatistic.P50
    assert not AuditEvent.objects.filter(action="metrics.settings_update").exists()


@pytest.mark.parametrize("user_in_role", ADMIN_ONLY, indirect=True)
def test_org_admins_see_the_form(client, org, user_in_role):
    client.force_login(user_in_role)
    assert (
        'name="measured_statistic"'
        in client.get(f"/o/{org.slug}/metrics/definitions/").content.decode()
    )


@pytest.mark.parametrize("user_in_role", roles_except(*ADMIN_ONLY), indirect=True)
def test_other_roles_cannot_change_it(client, org, user_in_role):
    client.force_login(user_in_role)
    page = client.get(f"/o/{org.slug}/metrics/definitions/").content.decode()
    assert 'name="measured_statistic"' not in page
    assert "Scorecards report the median (p50)." in page
    response = client.post(f"/o/{org.slug}/metrics/settings/", {"measured_statistic": "p95"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).measured_statistic == MeasuredStatistic.P50


def _planner_settings():
    from django.db import connection

    if connection.vendor != "postgresql":
        return None  # SQLite computes in Python: no planner settings at all
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_sort'), current_setting('enable_nestloop'),"
            " current_setting('enable_mergejoin'), current_setting('jit'),"
            " current_setting('work_mem')"
        )
        return cursor.fetchone()


def test_a_read_leaves_no_planner_setting_behind(org, admin, use_case):
    """A recompute on read uses the roll-up's plan settings for its own statement only: the
    caller's transaction (a gate inside a transition) keeps its own."""
    from django.db import transaction

    send_rates(admin, org, use_case, days=[WEEK], successes=8, trials=10)
    with transaction.atomic():
        before = _planner_settings()
        found = selectors.fresh_rollups(
            [use_case.pk], period="day", first=WEEK, last=T0.date(), now=T0
        )
        assert [(k[2], v["trials"], v["recomputed"]) for k, v in found.items()] == [
            (WEEK, 10.0, True)
        ]
        assert _planner_settings() == before


def test_a_poisoned_use_case_does_not_keep_others_from_fresh_figures(org, admin, pm, other_org):
    """Values stored past the ingestion checks (two of 1e308: their sum overflows) make that
    use case's metric fall back to its stored figures; another organization's use case, read
    in the same call (as the gate reads many), still gets its fresh ones, and no page fails."""
    from metrics.models import Sample
    from tests.factories import make_use_case

    other, other_admin, other_uc = other_org
    poisoned = make_use_case(org, pm, name="Poisoned")
    moment = dt.datetime.combine(WEEK, dt.time(9), tzinfo=dt.UTC)
    Sample.objects.bulk_create(
        Sample(
            use_case=poisoned,
            metric=metric("latency_ms"),
            client_id=f"x{i}",
            ts=moment,
            value=1e308,
        )
        for i in range(2)
    )
    rollups.mark_keys([(poisoned.pk, metric("latency_ms").pk, "day", WEEK)])
    _latencies(other_admin, other, other_uc, [10.0, 30.0])
    found = selectors.fresh_rollups(
        [poisoned.pk, other_uc.pk], period="day", first=WEEK, last=T0.date(), now=T0
    )
    assert list(found) == [(other_uc.pk, metric("latency_ms").pk, WEEK)]
    assert found[(other_uc.pk, metric("latency_ms").pk, WEEK)]["mean"] == 20.0
    client = APIClient()
    client.force_login(pm)
    assert client.get(f"/api/v1/metrics/scorecards/{poisoned.pk}/").status_code == 200
    response = client.get("/api/v1/metrics/rollups/", {"use_case": poisoned.pk})
    assert response.status_code == 200 and response.json()["count"] == 0
