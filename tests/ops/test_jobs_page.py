"""The background-jobs page of an organization (/o/<org>/jobs/): org admins only, scoped to the
organization, with re-runs that really re-run (tasks in-process, as the test settings run them),
each audited; a constant number of queries whatever the backlog."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from metrics import rollups
from metrics.models import CsvUpload, DirtyPeriod, Rollup, RollupFailure, Sample
from metrics.services import (
    csv_upload_create,
    metric_definition_create,
    rollup_failure_retry,
    samples_ingest,
)
from readiness.models import AuditEvent, OutboxMessage, Role
from tests.conftest import roles_except
from tests.metrics.ingest_support import iso, measured
from tests.webhooks import conftest as webhook_fixtures
from webhooks import services as webhooks_services
from webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db

# A real HTTP receiver on localhost (the webhooks tests' fixture).
receiver = webhook_fixtures.receiver

HEADER = "use_case,metric,timestamp,value,numerator,denominator,client_id\n"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def jobs_url(org) -> str:
    return reverse("ops_jobs", args=[org.slug])


def poison(org, admin, use_case):
    """A metric of ``use_case`` whose stored samples overflow a sum (put past ingestion's
    checks), rolled up once so its failure is recorded."""
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
    when = timezone.now() - dt.timedelta(hours=1)
    Sample.objects.bulk_create(
        Sample(use_case=use_case, metric=review, client_id=f"bad-{i}", ts=when, value=1e308)
        for i in range(2)
    )
    rollups.mark_from_samples([use_case.pk])
    assert rollups.rollup_pending().failed == 2
    return review, RollupFailure.objects.get()


def upload_for(org, actor, use_case, rows: int = 20) -> CsvUpload:
    lines = "".join(
        f"{use_case.pk},latency_ms,{iso(T0 - dt.timedelta(hours=1))},{i},,,s{i}\n"
        for i in range(rows)
    )
    file = SimpleUploadedFile("samples.csv", (HEADER + lines).encode(), content_type="text/csv")
    return csv_upload_create(actor=actor, organization=org, file=file)


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """As on a development server: a plain-http receiver on localhost is allowed."""
    settings.DEBUG = True
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def failed_delivery(org, admin, receiver: webhook_fixtures.Receiver) -> Delivery:
    endpoint = webhooks_services.endpoint_create(
        actor=admin, organization=org, url=receiver.url, events=["gate.passed"], description="Ops"
    )
    delivery = webhooks_services.endpoint_send_test(actor=admin, endpoint=endpoint)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        attempts=6,
        error="Connection refused.",
        next_attempt_at=None,
    )
    delivery.refresh_from_db()
    return delivery


# --- who sees the page ---------------------------------------------------------------------


@pytest.mark.parametrize("user_in_role", roles_except(Role.ORG_ADMIN), indirect=True)
def test_other_roles_get_the_product_403_page(client, org, user_in_role, settings):
    settings.DEBUG = False
    client.force_login(user_in_role)
    response = client.get(jobs_url(org))
    assert response.status_code == 403
    assert "403" in response.content.decode() or "permission" in response.content.decode().lower()
    page = client.get(reverse("usecase_list", args=[org.slug])).content.decode()
    assert jobs_url(org) not in page  # the link is shown to admins only


def test_an_admin_sees_empty_states_and_the_link_in_the_settings_menu(client, org, admin):
    client.force_login(admin)
    response = client.get(jobs_url(org))
    assert response.status_code == 200
    html = response.content.decode()
    for empty in (
        "No roll-up is failing.",
        "Every figure is rolled up.",
        "No uploads yet.",
        "No webhook delivery is pending or failed.",
    ):
        assert empty in html
    assert html.count(f'href="{jobs_url(org)}"') >= 2  # the menu (bar and phone) and Refresh


def test_a_non_member_gets_404(client, org, other_org):
    _, other_admin, _ = other_org
    client.force_login(other_admin)
    assert client.get(jobs_url(org)).status_code == 404


# --- what it shows, and only for its organization --------------------------------------------


def test_the_page_shows_this_organizations_jobs_and_never_another_ones(
    client, org, admin, pm, use_case, other_org, failed_delivery
):
    other, other_admin, other_uc = other_org
    _, failure = poison(org, admin, use_case)
    samples_ingest(actor=pm, organization=org, samples=[measured(use_case, value=210.0)])
    samples_ingest(actor=other_admin, organization=other, samples=[measured(other_uc, value=300.0)])
    upload = upload_for(org, pm, use_case)  # never processed (no commit here): waiting
    other_upload = upload_for(other, other_admin, other_uc)
    client.force_login(admin)
    html = client.get(jobs_url(org)).content.decode()
    # Failed roll-up with its error, attempts and next retry.
    assert "Review minutes" in html
    assert reverse("ops_jobs_rollup_retry", args=[org.slug, failure.pk]) in html
    assert failure.error[:40] in html
    # Pending: the latency marks of this organization's use case (its day and week).
    assert "Latency" in html and "Globex copilot" not in html
    # The upload with its progress bar; the other organization's is not listed.
    assert upload.filename in html and 'role="progressbar"' in html
    assert reverse("metric_upload_detail", args=[org.slug, upload.pk]) in html
    assert f"/uploads/{other_upload.pk}/" not in html
    # The failed delivery with its last error and attempts.
    assert "Connection refused." in html
    assert reverse("ops_jobs_delivery_retry", args=[org.slug, failed_delivery.pk]) in html


def test_pending_roll_ups_are_counted_per_use_case_and_metric(client, org, admin, pm, use_case):
    samples_ingest(
        actor=pm,
        organization=org,
        samples=[
            measured(use_case, value=100.0),
            measured(use_case, value=120.0, timestamp=iso(timezone.now() - dt.timedelta(days=8))),
        ],
    )
    pending = DirtyPeriod.objects.filter(use_case=use_case).count()
    client.force_login(admin)
    jobs = client.get(jobs_url(org)).context["jobs"]
    assert jobs.rollups.pending == pending == 4  # two days, two weeks
    assert [(i.use_case.pk, i.metric.key, i.periods) for i in jobs.rollups.items] == [
        (use_case.pk, "latency_ms", 4)
    ]
    assert jobs.rollups.oldest_marked_at is not None


def test_the_page_runs_a_constant_number_of_queries(
    client, org, admin, pm, use_case, failed_delivery, django_assert_max_num_queries
):
    poison(org, admin, use_case)
    upload_for(org, pm, use_case)
    client.force_login(admin)
    with django_assert_max_num_queries(30) as few:
        client.get(jobs_url(org))
    baseline = len(few.captured_queries)
    for _ in range(5):
        upload_for(org, pm, use_case)
        webhooks_services.endpoint_send_test(actor=admin, endpoint=failed_delivery.endpoint)
    Delivery.objects.update(status=DeliveryStatus.FAILED, error="Timed out.")
    samples_ingest(
        actor=pm,
        organization=org,
        samples=[measured(use_case, metric="cycle_time_h", value=3.0)],
    )
    with django_assert_max_num_queries(baseline):
        response = client.get(jobs_url(org))
    assert len(response.context["jobs"].uploads) == 6
    assert len(response.context["jobs"].deliveries) == 6


# --- re-runs -----------------------------------------------------------------------------


def test_retry_of_a_failed_roll_up_rolls_it_up_now_and_is_audited(
    client, org, admin, use_case, django_capture_on_commit_callbacks
):
    review, failure = poison(org, admin, use_case)
    assert failure.retry_at > timezone.now()  # backing off: no run would take it yet
    Sample.objects.filter(metric=review).update(value=4.0)  # the cause is fixed
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ops_jobs_rollup_retry", args=[org.slug, failure.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#rollups-failed")
    assert not RollupFailure.objects.exists()
    assert Rollup.objects.get(metric=review, period="day").mean == 4.0
    event = AuditEvent.objects.get(action="metrics.rollup.retry")
    assert (event.actor_id, event.use_case_id) == (admin.pk, use_case.pk)
    assert event.after and event.after["metric"] == "review_minutes"
    assert event.before and event.before["attempts"] == 1


def test_retry_of_a_roll_up_that_still_fails_records_another_attempt(
    client, org, admin, use_case, django_capture_on_commit_callbacks
):
    _, failure = poison(org, admin, use_case)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ops_jobs_rollup_retry", args=[org.slug, failure.pk]))
    again = RollupFailure.objects.get()
    assert again.attempts == 2 and again.retry_at > timezone.now()


@override_settings(METRICS_UPLOAD_STUCK_SECONDS=600)
def test_requeue_of_a_stuck_upload_processes_it_and_is_audited(
    client, org, admin, pm, use_case, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as clock:
        upload = upload_for(org, pm, use_case)  # its message never reaches a worker
        OutboxMessage.objects.all().delete()
        client.force_login(admin)
        url = reverse("ops_jobs_upload_requeue", args=[org.slug, upload.pk])
        # Young: it may be waiting in the queue, so it is neither stuck nor re-queued.
        assert url not in client.get(jobs_url(org)).content.decode()
        response = client.post(url, follow=True)
        assert "still being processed" in response.content.decode()
        assert CsvUpload.objects.get(pk=upload.pk).status == "pending"

        clock.shift(dt.timedelta(minutes=11))
        html = client.get(jobs_url(org)).content.decode()
        assert "Stuck" in html and url in html
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 302
        upload.refresh_from_db()
        assert (upload.status, upload.rows_stored) == ("done", 20)
        event = AuditEvent.objects.get(action="metrics.csv_upload.requeue")
        assert event.actor_id == admin.pk
        assert event.before and event.before["status"] == "pending"
        # Finished: nothing to re-run.
        response = client.post(url, follow=True)
        assert "nothing to re-run" in response.content.decode()


def test_retry_of_a_failed_delivery_sends_it_again_and_is_audited(
    client,
    org,
    admin,
    failed_delivery,
    receiver,
    django_capture_on_commit_callbacks,
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ops_jobs_delivery_retry", args=[org.slug, failed_delivery.pk])
        )
    assert response.status_code == 302 and response["Location"].endswith("#deliveries")
    again = Delivery.objects.get(redelivery_of=failed_delivery)
    assert again.status == DeliveryStatus.SUCCEEDED
    assert receiver.received[-1].headers["X-Readiness-Delivery"] == str(failed_delivery.event_id)
    assert AuditEvent.objects.filter(
        action__endswith="delivery_redeliver", actor=admin, organization=org
    ).exists()
    # Sent again: the failed one is listed as such, without a second Retry button.
    html = client.get(jobs_url(org)).content.decode()
    assert "sent again since" in html
    assert reverse("ops_jobs_delivery_retry", args=[org.slug, failed_delivery.pk]) not in html


def test_re_runs_of_another_organizations_jobs_are_404_and_change_nothing(
    client, org, admin, other_org, django_capture_on_commit_callbacks
):
    other, other_admin, other_uc = other_org
    _, failure = poison(other, other_admin, other_uc)
    upload = upload_for(other, other_admin, other_uc)
    client.force_login(admin)
    audited = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for name, pk in (
            ("ops_jobs_rollup_retry", failure.pk),
            ("ops_jobs_upload_requeue", upload.pk),
            ("ops_jobs_delivery_retry", 999_999),
        ):
            assert client.post(reverse(name, args=[org.slug, pk])).status_code == 404
    assert AuditEvent.objects.count() == audited
    assert RollupFailure.objects.get().attempts == 1


@pytest.mark.parametrize("user_in_role", [Role.PROGRAM_MANAGER, Role.VIEWER], indirect=True)
def test_re_runs_are_refused_to_other_roles(client, org, admin, use_case, user_in_role):
    _, failure = poison(org, admin, use_case)
    client.force_login(user_in_role)
    url = reverse("ops_jobs_rollup_retry", args=[org.slug, failure.pk])
    assert client.post(url).status_code == 403
    assert not AuditEvent.objects.filter(action="metrics.rollup.retry").exists()


def test_re_runs_answer_only_post(client, org, admin, use_case):
    _, failure = poison(org, admin, use_case)
    client.force_login(admin)
    assert (
        client.get(reverse("ops_jobs_rollup_retry", args=[org.slug, failure.pk])).status_code == 405
    )


def test_a_roll_up_that_succeeded_since_is_not_retried(org, admin, use_case):
    """Between the page and the click the job may have rolled it up: the service says so and
    writes nothing (the page's link then answers 404, like a missing failure)."""
    _, failure = poison(org, admin, use_case)
    RollupFailure.objects.filter(pk=failure.pk).delete()
    with pytest.raises(ValidationError, match="nothing to retry"):
        rollup_failure_retry(actor=admin, failure=failure)
    assert not AuditEvent.objects.filter(action="metrics.rollup.retry").exists()
    assert not OutboxMessage.objects.filter(task="metrics.tasks.rollup_use_case").exists()
