"""A stored extreme value (put in the database past every ingestion check) leaves every page
answering and every other use case and organization rolling up: the failing roll-up is
confined to its use case and metric, recorded with its error, retried with backoff and shown
to org admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from metrics import rollups
from metrics.models import DirtyPeriod, MetricDefinition, Rollup, RollupFailure, Sample
from metrics.rollups.jobs import retry_delay
from metrics.services import metric_definition_create, metric_target_set, samples_ingest
from readiness.models import UseCase
from tests.metrics.ingest_support import measured, metric

pytestmark = pytest.mark.django_db


@pytest.fixture
def poisoned(org, admin, pm, use_case, other_org):
    """Review minutes of ``use_case`` hold 1e308 twice and 1e200 (inserted directly: a sum
    of them overflows); its latency and the other organization's latency are plain."""
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
    UseCase.objects.filter(pk=use_case.pk).update(current_phase=3)  # the next gate judges it
    when = timezone.now() - dt.timedelta(hours=1)
    Sample.objects.bulk_create(
        Sample(use_case=use_case, metric=review, client_id=f"bad-{i}", ts=when, value=value)
        for i, value in enumerate([1e308, 1e308, 1e200])
    )
    samples_ingest(actor=pm, organization=org, samples=[measured(use_case, value=200.0)])
    other, other_admin, other_uc = other_org
    samples_ingest(actor=other_admin, organization=other, samples=[measured(other_uc, value=300.0)])
    rollups.mark_from_samples()
    return review, other_uc


def test_a_failing_roll_up_is_confined_to_its_use_case_and_metric(use_case, poisoned):
    review, other_uc = poisoned
    result = rollups.rollup_pending()  # does not raise
    assert result.failed == 2  # the day and the week of the poisoned metric
    latency = metric("latency_ms")
    assert Rollup.objects.filter(use_case=other_uc, metric=latency).count() == 2
    assert Rollup.objects.filter(use_case=use_case, metric=latency).count() == 2
    assert not Rollup.objects.filter(metric=review).exists()
    failure = RollupFailure.objects.get()
    assert (failure.use_case_id, failure.metric_id, failure.attempts) == (use_case.pk, review.pk, 1)
    assert "out of range" in failure.error or "overflow" in failure.error.lower()
    # Its marks stay, leased until the retry is due: no run takes them before.
    marks = DirtyPeriod.objects.filter(metric=review)
    assert marks.count() == 2 and all(m.claimed_until == failure.retry_at for m in marks)
    assert rollups.rollup_pending().claimed == 0


def test_a_failed_roll_up_is_retried_with_backoff_and_cleared_once_it_succeeds(
    use_case, poisoned, time_machine
):
    review, _ = poisoned
    time_machine.move_to(timezone.now(), tick=False)
    rollups.rollup_pending()
    first = RollupFailure.objects.get()
    time_machine.move_to(first.retry_at + dt.timedelta(seconds=1), tick=False)
    assert rollups.rollup_pending().failed == 2
    second = RollupFailure.objects.get()
    assert second.attempts == 2 and second.first_failed_at == first.first_failed_at
    assert second.retry_at - second.last_failed_at == retry_delay(2) == 2 * retry_delay(1)
    # Once the values are fixed, the next retry rolls it up and forgets the failure.
    Sample.objects.filter(metric=review).update(value=4.0)
    time_machine.move_to(second.retry_at + dt.timedelta(seconds=1), tick=False)
    result = rollups.rollup_pending()
    assert (result.claimed, result.failed) == (2, 0)
    assert not RollupFailure.objects.exists()
    assert Rollup.objects.get(metric=review, period="day").mean == 4.0


def test_every_page_answers_with_an_extreme_value_stored(client, org, admin, use_case, poisoned):
    rollups.rollup_pending()
    client.force_login(admin)
    gate = client.get(f"/api/v1/use-cases/{use_case.pk}/gate/")
    assert gate.status_code == 200, gate.content
    review = [b for b in gate.json()["blockers"] if b["source"] == "metrics"]
    assert review and review[0]["detail"]["metric"] == "review_minutes"
    assert client.get("/api/v1/portfolio/", {"organization": org.slug}).status_code == 200
    assert client.get(f"/o/{org.slug}/portfolio/").status_code == 200
    assert client.get(f"/o/{org.slug}/metrics/scorecards/").status_code == 200
    card = client.get(f"/o/{org.slug}/metrics/use-cases/{use_case.pk}/scorecard/")
    assert card.status_code == 200
    html = card.content.decode()
    assert "Figures for Review minutes are stale since" in html and "error:" in html
    recompute = client.post(
        "/api/v1/metrics/rollups/recompute/",
        {"use_case": use_case.pk},
        content_type="application/json",
    )
    assert recompute.status_code in (200, 201, 202), recompute.content


def test_only_org_admins_see_the_failures(client, org, pm, use_case, poisoned):
    rollups.rollup_pending()
    client.force_login(pm)
    card = client.get(f"/o/{org.slug}/metrics/use-cases/{use_case.pk}/scorecard/")
    assert card.status_code == 200
    assert "are stale since" not in card.content.decode()


def test_extreme_roll_ups_stored_directly_still_render(client, org, admin, use_case):
    latency = MetricDefinition.objects.get(organization=None, key="latency_ms")
    today = timezone.now().astimezone(dt.UTC).date()
    for period, start in (("day", today), ("week", today - dt.timedelta(days=today.weekday()))):
        Rollup.objects.create(
            use_case=use_case,
            metric=latency,
            period=period,
            period_start=start,
            count=2,
            days=1,
            sum=1.7e308,
            min=1e308,
            max=1.7e308,
            mean=1.3e308,
            p50=1.3e308,
            p95=1.7e308,
            p99=1.7e308,
            computed_at=timezone.now(),
        )
    client.force_login(admin)
    assert (
        client.get(f"/o/{org.slug}/metrics/use-cases/{use_case.pk}/scorecard/").status_code == 200
    )
    assert client.get(f"/o/{org.slug}/metrics/scorecards/").status_code == 200
    assert client.get(f"/o/{org.slug}/portfolio/").status_code == 200
