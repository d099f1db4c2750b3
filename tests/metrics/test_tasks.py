"""The Celery tasks (called directly, as the worker would): each fetches by id, leaves quietly
when the row is gone, calls one function, and running it twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics import tasks
from metrics.models import CsvUpload, DirtyPeriod, Rollup, Sample
from metrics.services import csv_upload_create, samples_ingest
from tests.factories import make_use_case
from tests.metrics.ingest_support import iso, measured, metric, rate

pytestmark = pytest.mark.django_db


def test_the_periodic_task_rolls_up(org, admin, use_case, now):
    samples_ingest(actor=admin, organization=org, samples=[rate(use_case, timestamp=iso(now))])
    result = tasks.rollup_pending.delay().get()
    assert result["claimed"] == 2
    assert Rollup.objects.filter(metric=metric("acceptance_rate")).count() == 2
    assert tasks.rollup_pending() == {
        "claimed": 0,
        "written": 0,
        "removed": 0,
        "released": 0,
        "failed": 0,
    }


def test_the_use_case_task_takes_only_its_marks(org, admin, pm, use_case, now):
    other = make_use_case(org, pm, name="Other")
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[measured(use_case, timestamp=iso(now)), measured(other, timestamp=iso(now))],
    )
    assert tasks.rollup_use_case(use_case.pk)["claimed"] == 2
    assert set(DirtyPeriod.objects.values_list("use_case_id", flat=True)) == {other.pk}
    assert tasks.rollup_use_case(use_case.pk)["claimed"] == 0
    other.delete()
    assert tasks.rollup_use_case(other.pk)["claimed"] == 0  # gone, and its marks with it


def test_the_upload_task_processes_once_and_leaves_a_gone_upload(org, pm, use_case, now):
    content = f"use_case,metric,timestamp,value\n{use_case.pk},latency_ms,{iso(now)},5\n"
    upload = csv_upload_create(
        actor=pm,
        organization=org,
        file=SimpleUploadedFile("s.csv", content.encode(), content_type="text/csv"),
    )
    assert tasks.process_csv_upload(upload.pk) == "done"
    assert tasks.process_csv_upload(upload.pk) == "done"  # finished: left as it is
    assert Sample.objects.count() == 1
    CsvUpload.objects.filter(pk=upload.pk).delete()
    assert tasks.process_csv_upload(upload.pk) == "gone"
