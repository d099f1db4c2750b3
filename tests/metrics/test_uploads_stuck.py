"""Stuck uploads: an unfinished upload whose progress stopped ("Processing… 0 of 50" after its
worker died, or its message was lost) is queued again, once per stuck period, and finishes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from metrics import tasks
from metrics.models import CsvUpload, Sample
from metrics.services import csv_upload_create, csv_upload_process
from readiness.models import OutboxMessage
from tests.metrics.ingest_support import ago, iso

pytestmark = pytest.mark.django_db

HEADER = "use_case,metric,timestamp,value,numerator,denominator,client_id\n"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def upload_for(org, pm, use_case, rows: int = 50) -> CsvUpload:
    lines = "".join(
        f"{use_case.pk},latency_ms,{iso(T0 - dt.timedelta(hours=1))},{i},,,s{i}\n"
        for i in range(rows)
    )
    file = SimpleUploadedFile("samples.csv", (HEADER + lines).encode(), content_type="text/csv")
    return csv_upload_create(actor=pm, organization=org, file=file)


@override_settings(METRICS_UPLOAD_STUCK_SECONDS=600)
def test_a_stuck_upload_is_queued_again_once_and_then_finishes(
    org, pm, use_case, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as clock:
        upload = upload_for(org, pm, use_case)  # its message is never delivered (no commit here)
        OutboxMessage.objects.all().delete()
        assert tasks.requeue_stuck_uploads() == 0  # young: may be waiting in the queue

        clock.shift(dt.timedelta(minutes=11))
        with django_capture_on_commit_callbacks(execute=True):  # the worker runs it in-process
            assert tasks.requeue_stuck_uploads() == 1
        upload.refresh_from_db()
        assert (upload.status, upload.rows_stored) == ("done", 50)
        assert Sample.objects.count() == 50
        assert tasks.requeue_stuck_uploads() == 0  # finished: left alone


@override_settings(METRICS_UPLOAD_STUCK_SECONDS=600)
def test_an_upload_still_moving_is_not_queued_again_and_a_requeue_waits_its_turn(org, pm, use_case):
    with time_machine.travel(T0, tick=False) as clock:
        moving = upload_for(org, pm, use_case)
        stalled = upload_for(org, pm, use_case, rows=3)
        OutboxMessage.objects.all().delete()
        clock.shift(dt.timedelta(minutes=11))
        CsvUpload.objects.filter(pk=moving.pk).update(
            status="processing", progress_at=timezone.now() - dt.timedelta(minutes=2)
        )
        assert tasks.requeue_stuck_uploads() == 1
        assert list(OutboxMessage.objects.values_list("task", "args")) == [
            ("metrics.tasks.process_csv_upload", [stalled.pk])
        ]
        clock.shift(dt.timedelta(minutes=5))
        assert tasks.requeue_stuck_uploads() == 0  # queued 5 minutes ago: not again yet
        clock.shift(dt.timedelta(minutes=6))
        assert tasks.requeue_stuck_uploads() == 2  # both stalled now


def test_processing_records_its_progress(org, pm, use_case):
    upload = upload_for(org, pm, use_case, rows=3)
    assert upload.progress_at is None
    before = ago(seconds=1)
    csv_upload_process(upload=upload)
    upload.refresh_from_db()
    assert upload.progress_at is not None and upload.progress_at >= before
