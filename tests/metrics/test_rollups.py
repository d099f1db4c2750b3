"""Incremental roll-ups: only marked periods, idempotent, late samples, leases, two jobs at once,
and the on-demand recompute (service, page button, API). The tasks are in test_tasks.py."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from metrics import rollups
from metrics.models import DirtyPeriod, Rollup, Sample
from metrics.rollups import jobs
from metrics.services import rollup_recompute, samples_ingest
from readiness.models import AuditEvent, Role
from tests.factories import add_member, make_use_case
from tests.metrics.ingest_support import iso, measured, rate

pytestmark = pytest.mark.django_db


def _ingest(actor, org, samples):
    return samples_ingest(actor=actor, organization=org, samples=samples)


def _day(when):
    return when.astimezone(dt.UTC).date()


def test_ingestion_marks_days_and_weeks_and_the_job_clears_them(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, value=v, timestamp=iso(now)) for v in (1, 2, 3)])
    marks = set(DirtyPeriod.objects.values_list("period", "period_start"))
    day = _day(now)
    assert marks == {("day", day), ("week", day - dt.timedelta(days=day.weekday()))}
    result = rollups.rollup_pending()
    assert (result.claimed, result.written, result.released) == (2, 2, 0)
    assert not DirtyPeriod.objects.exists()
    daily = Rollup.objects.get(period="day")
    assert (daily.count, daily.sum, daily.min, daily.max, daily.p50) == (3, 6.0, 1.0, 3.0, 2.0)
    assert daily.p95 == pytest.approx(2.9)
    weekly = Rollup.objects.get(period="week")
    assert weekly.period_start.weekday() == 0 and weekly.count == 3


def test_rates_are_summed_counts_never_averaged_percentages(org, admin, use_case, now):
    # 1/1 (100%) and 10/100 (10%): the average of percentages would be 55%; the rate is 10%.
    _ingest(
        admin,
        org,
        [
            rate(use_case, num=1, den=1, timestamp=iso(now), client_id="a"),
            rate(use_case, num=10, den=100, timestamp=iso(now), client_id="b"),
        ],
    )
    rollups.rollup_pending()
    r = Rollup.objects.get(period="day")
    assert (r.successes, r.trials, r.count) == (11.0, 101.0, 2)
    assert r.rate == pytest.approx(11 / 101)
    assert r.ci_low < r.rate < r.ci_high
    assert r.p50 is None and r.sum is None


def test_running_twice_changes_nothing(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, value=5, timestamp=iso(now))])
    rollups.rollup_pending()
    before = list(Rollup.objects.values_list("pk", "computed_at", "count", "sum"))
    assert rollups.rollup_pending().claimed == 0
    rollups.mark_from_samples([use_case.pk])  # a full recompute of the same samples
    result = rollups.rollup_pending()
    assert result.claimed == 2 and result.written == 0
    assert list(Rollup.objects.values_list("pk", "computed_at", "count", "sum")) == before


@pytest.mark.parametrize(
    "moment",
    [
        # On a Monday today's day and this week share their start date (a Monday failure once:
        # the stamps were keyed by start date alone).
        dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC),  # a Thursday
    ],
    ids=["monday", "thursday"],
)
def test_a_late_sample_recomputes_only_its_own_day_and_week(
    org, admin, use_case, moment, time_machine
):
    time_machine.move_to(moment, tick=True)  # ticking: leases need time to pass
    now = timezone.now().replace(minute=30, second=0, microsecond=0) - dt.timedelta(hours=1)
    old = now - dt.timedelta(days=20)
    _ingest(
        admin,
        org,
        [
            measured(use_case, value=1, timestamp=iso(now), client_id="new"),
            measured(use_case, value=1, timestamp=iso(old), client_id="old"),
        ],
    )
    rollups.rollup_pending()
    stamps = {
        (period, start): at
        for period, start, at in Rollup.objects.values_list("period", "period_start", "computed_at")
    }
    _ingest(admin, org, [measured(use_case, value=9, timestamp=iso(old), client_id="late")])
    assert set(DirtyPeriod.objects.values_list("period_start", flat=True)) == {
        _day(old),
        _day(old) - dt.timedelta(days=_day(old).weekday()),
    }
    rollups.rollup_pending()
    old_day = Rollup.objects.get(period="day", period_start=_day(old))
    assert (old_day.count, old_day.max) == (2, 9.0)
    today = Rollup.objects.get(period="day", period_start=_day(now))
    assert today.computed_at == stamps[("day", _day(now))]
    this_week = _day(now) - dt.timedelta(days=_day(now).weekday())
    week = Rollup.objects.get(period="week", period_start=this_week)
    assert week.computed_at == stamps[("week", this_week)]


def test_a_duplicate_retry_marks_nothing(org, admin, use_case, now):
    batch = [measured(use_case, timestamp=iso(now), client_id="x")]
    _ingest(admin, org, batch)
    rollups.rollup_pending()
    result = _ingest(admin, org, batch)
    assert result.duplicates == 1
    assert not DirtyPeriod.objects.exists()


def test_samples_arriving_while_a_period_is_claimed_keep_its_mark(org, admin, use_case, now):
    """The generation protocol: a batch landing on a claimed mark bumps it; the job then keeps
    the mark (released for the next run) instead of deleting it."""
    _ingest(admin, org, [measured(use_case, value=1, timestamp=iso(now), client_id="a")])
    claims = rollups.claim()
    assert len(claims) == 2
    assert all(m.claimed_until for m in DirtyPeriod.objects.all())
    _ingest(admin, org, [measured(use_case, value=2, timestamp=iso(now), client_id="b")])
    assert set(DirtyPeriod.objects.values_list("generation", flat=True)) == {1}
    result = rollups.refresh(claims)
    assert result.released == 2
    marks = list(DirtyPeriod.objects.all())
    assert len(marks) == 2 and all(m.claimed_until is None for m in marks)
    rollups.rollup_pending()
    assert not DirtyPeriod.objects.exists()
    assert Rollup.objects.get(period="day").count == 2


def test_an_unclaimed_mark_is_not_bumped(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, timestamp=iso(now), client_id="a")])
    _ingest(admin, org, [measured(use_case, timestamp=iso(now), client_id="b")])
    assert set(DirtyPeriod.objects.values_list("generation", flat=True)) == {0}


def test_claimed_marks_are_leased_and_come_back_when_the_lease_ends(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, timestamp=iso(now))])
    assert len(rollups.claim()) == 2  # a job that dies here
    assert rollups.claim() == []  # another job does not take them
    DirtyPeriod.objects.update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert len(rollups.claim()) == 2


def test_batches_are_bounded(org, admin, use_case, now):
    _ingest(
        admin,
        org,
        [measured(use_case, timestamp=iso(now - dt.timedelta(days=d))) for d in range(10)],
    )
    total = DirtyPeriod.objects.count()
    first = rollups.rollup_pending(limit=3, max_batches=1)
    assert first.claimed == 3
    assert DirtyPeriod.objects.count() == total - 3
    rollups.rollup_pending(limit=3)
    assert not DirtyPeriod.objects.exists()


def test_periods_whose_samples_are_gone_lose_their_roll_up(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, timestamp=iso(now))])
    rollups.rollup_pending()
    Sample.objects.filter(use_case=use_case).delete()
    rollups.mark_from_samples([use_case.pk])
    result = rollups.rollup_pending()
    assert result.removed == 2
    assert not Rollup.objects.exists()


def test_only_marked_periods_of_the_chosen_kind_are_taken(org, admin, use_case, now):
    _ingest(admin, org, [measured(use_case, timestamp=iso(now))])
    rollups.rollup_pending(periods=["day"])
    assert list(Rollup.objects.values_list("period", flat=True)) == ["day"]
    assert list(DirtyPeriod.objects.values_list("period", flat=True)) == ["week"]


# --- On-demand recompute -----------------------------------------------------------------------


def test_recompute_marks_everything_and_runs_after_commit(
    org, pm, use_case, now, django_capture_on_commit_callbacks
):
    _ingest(
        pm, org, [measured(use_case, timestamp=iso(now - dt.timedelta(days=d))) for d in range(3)]
    )
    rollups.rollup_pending()
    Rollup.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        marked = rollup_recompute(actor=pm, use_case=use_case)
    assert marked >= 4
    assert not Rollup.objects.exists()  # nothing runs before the commit
    for callback in callbacks:
        callback()
    assert Rollup.objects.filter(period="day").count() == 3
    event = AuditEvent.objects.get(action="metrics.rollup.recompute")
    assert event.after == {"periods_marked": marked}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_recompute_page_button_by_role(client, org, use_case, role, now):
    user = add_member(org, role)
    client.force_login(user)
    url = reverse("metric_recompute", kwargs={"org": org.slug, "pk": use_case.pk})
    response = client.post(url, {"next": f"/o/{org.slug}/use-cases/"})
    if role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        assert response.status_code == 302
        assert response["Location"] == f"/o/{org.slug}/use-cases/"
        assert AuditEvent.objects.filter(action="metrics.rollup.recompute").exists()
    else:
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action="metrics.rollup.recompute").exists()


def test_recompute_page_refuses_other_orgs_and_get(client, pm, use_case, other_org):
    client.force_login(pm)
    _, _, foreign = other_org
    url = reverse("metric_recompute", kwargs={"org": foreign.organization.slug, "pk": foreign.pk})
    assert client.post(url).status_code == 404
    own = reverse("metric_recompute", kwargs={"org": use_case.organization.slug, "pk": use_case.pk})
    assert client.get(own).status_code == 405


def test_recompute_api(client, org, pm, viewer, use_case, other_org):
    url = "/api/v1/metrics/rollups/recompute/"
    client.force_login(pm)
    response = client.post(url, {"use_case": use_case.pk}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["use_case"] == use_case.pk
    assert client.post(url, {"use_case": "x"}, content_type="application/json").status_code == 400
    response = client.post(url, {"use_case": other_org[2].pk}, content_type="application/json")
    assert response.status_code == 404
    client.force_login(viewer)
    response = client.post(url, {"use_case": use_case.pk}, content_type="application/json")
    assert response.status_code == 403


# --- Two jobs and concurrent ingestion (PostgreSQL: real row locks) -------------------------------


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and SKIP LOCKED need PostgreSQL"
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
@override_settings(METRICS_ROLLUP_BATCH_KEYS=7)
def test_two_jobs_and_a_sender_at_once_lose_nothing(org, admin, pm):
    """Jobs run in two threads while a third keeps sending late samples to the same days; in
    the end every figure equals a recomputation from scratch."""
    from django.db import connections

    use_case = make_use_case(org, pm, name="Concurrent")
    base = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    days = [base - dt.timedelta(days=d) for d in range(12)]
    _ingest(
        admin,
        org,
        [
            measured(use_case, value=i, timestamp=iso(days[i % 12]), client_id=f"s{i}")
            for i in range(240)
        ],
    )
    errors: list[BaseException] = []
    stop = threading.Event()

    def job():
        try:
            while not stop.is_set():
                rollups.rollup_pending()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def sender():
        try:
            for round_ in range(25):
                _ingest(
                    admin,
                    org,
                    [
                        measured(
                            use_case,
                            value=1000 + round_,
                            timestamp=iso(days[(round_ * 5 + k) % 12]),
                            client_id=f"late{round_}-{k}",
                        )
                        for k in range(6)
                    ],
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()
            connections.close_all()

    threads = [
        threading.Thread(target=job),
        threading.Thread(target=job),
        threading.Thread(target=sender),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    rollups.rollup_pending()
    assert not DirtyPeriod.objects.exists()
    now_figures = {
        (r.period, r.period_start): (r.count, r.sum, r.max, r.p95) for r in Rollup.objects.all()
    }
    Rollup.objects.all().delete()
    rollups.mark_from_samples([use_case.pk])
    rollups.rollup_pending()
    fresh = {
        (r.period, r.period_start): (r.count, r.sum, r.max, r.p95) for r in Rollup.objects.all()
    }
    assert now_figures.keys() == fresh.keys()
    for key, (count, total, top, p95) in fresh.items():
        got = now_figures[key]
        assert got[0] == count and got[2] == top
        assert got[1] == pytest.approx(total) and got[3] == pytest.approx(p95)
    assert sum(v[0] for k, v in fresh.items() if k[0] == "day") == 240 + 25 * 6


def test_a_failed_batch_hands_its_marks_back(org, admin, use_case, now, monkeypatch):
    _ingest(admin, org, [measured(use_case, timestamp=iso(now))])

    def broken(claims):
        raise RuntimeError("database went away")

    monkeypatch.setattr(jobs, "refresh", broken)
    with pytest.raises(RuntimeError):
        rollups.rollup_pending()
    assert DirtyPeriod.objects.filter(claimed_until__isnull=True).count() == 2
