"""CSV upload in the browser: checked on upload, processed by a task (valid rows stored,
rejected rows reported with reasons), progress shown, idempotent on re-upload."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from metrics.models import CsvUpload, DirtyPeriod, Rollup, Sample
from readiness.models import AuditEvent, Role
from tests.factories import add_member
from tests.metrics.ingest_support import ago, iso

pytestmark = pytest.mark.django_db

HEADER = "use_case,metric,timestamp,value,numerator,denominator,client_id\n"


def upload_url(org):
    return reverse("metric_upload", kwargs={"org": org.slug})


def csv_file(text: str, name: str = "samples.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def good_and_bad(use_case, other_use_case_id: int) -> str:
    t = iso(ago(hours=3))
    return HEADER + "".join(
        [
            f"{use_case.pk},latency_ms,{t},840,,,r1\n",  # line 2: good
            f"{use_case.pk},acceptance_rate,{t},,41,50,\n",  # line 3: good, no client id
            "\n",  # blank lines are skipped
            f"{other_use_case_id},latency_ms,{t},1,,,\n",  # line 5: another org's use case
            f"{use_case.pk},latency_ms,yesterday,1,,,\n",  # line 6: bad time
            f"{use_case.pk},acceptance_rate,{t},0.5,,,\n",  # line 7: value for a rate
            f"{use_case.pk},latency_ms,{t},nan,,,\n",  # line 8: NaN
            f"{use_case.pk},throughput,{t},12,,,\n",  # line 9: good
            f"{use_case.pk},throughput,{t},12,,,x,extra\n",  # line 10: too many cells
        ]
    )


def test_valid_rows_are_stored_and_rejected_rows_reported(
    client, org, pm, use_case, other_org, django_capture_on_commit_callbacks
):
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload_url(org), {"file": csv_file(good_and_bad(use_case, other_org[2].pk))}
        )
    upload = CsvUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == upload.get_absolute_url()
    upload.refresh_from_db()
    assert upload.status == "done"
    assert (upload.rows_total, upload.rows_processed) == (8, 8)
    assert (upload.rows_stored, upload.rows_rejected, upload.rows_duplicate) == (3, 5, 0)
    assert bytes(upload.content) == b""  # the file is not kept once processed
    assert Sample.objects.count() == 3
    assert Rollup.objects.filter(period="day").count() == 3  # rolled up right after
    report = client.get(
        reverse("metric_upload_rejected", kwargs={"org": org.slug, "pk": upload.pk})
    )
    assert report.status_code == 200
    assert report["Content-Type"].startswith("text/csv")
    assert 'filename="samples-rejected.csv"' in report["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(report.content.decode())))
    assert [r["line"] for r in rows] == ["5", "6", "7", "8", "10"]
    assert "Unknown use case" in rows[0]["errors"]
    assert "ISO 8601" in rows[1]["errors"]
    assert "rate" in rows[2]["errors"]
    assert "finite" in rows[3]["errors"]
    assert rows[1]["timestamp"] == "yesterday"
    page = client.get(upload.get_absolute_url())
    assert "cells past the last column" in rows[4]["errors"]
    assert "Download the 5 rejected rows" in page.text
    assert AuditEvent.objects.filter(action="metrics.csv_upload.create").count() == 1


def test_the_same_file_again_stores_nothing_twice(
    client, org, pm, use_case, other_org, django_capture_on_commit_callbacks
):
    client.force_login(pm)
    text = good_and_bad(use_case, other_org[2].pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload_url(org), {"file": csv_file(text)})
        client.post(upload_url(org), {"file": csv_file(text, "again.csv")})
    second = CsvUpload.objects.get(filename="again.csv")
    assert (second.rows_stored, second.rows_duplicate, second.rows_rejected) == (0, 3, 5)
    assert Sample.objects.count() == 3


def test_progress_partial_for_htmx(
    client, org, pm, viewer, use_case, django_capture_on_commit_callbacks
):
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            upload_url(org),
            {"file": csv_file(HEADER + f"{use_case.pk},latency_ms,{iso(ago(hours=1))},1,,,a\n")},
        )
    upload = CsvUpload.objects.get()
    url = upload.get_absolute_url()
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'hx-trigger="every 1s"' in partial.text  # still waiting: keep polling
    assert "0</strong> of 1 rows" in partial.text
    from metrics.tasks import process_csv_upload

    process_csv_upload(upload.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.text  # finished: polling stops
    assert "1</strong> of 1 rows" in done.text
    full = client.get(url)
    assert "<html" in full.text and 'role="progressbar"' in full.text
    # Any member follows the progress; the rejected rows are for uploaders only.
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    rejected = reverse("metric_upload_rejected", kwargs={"org": org.slug, "pk": upload.pk})
    assert client.get(rejected).status_code == 403


def test_processing_twice_is_harmless(org, pm, use_case):
    from metrics.services import csv_upload_create, csv_upload_process

    upload = csv_upload_create(
        actor=pm,
        organization=org,
        file=csv_file(HEADER + f"{use_case.pk},latency_ms,{iso(ago(hours=1))},1,,,a\n"),
    )
    csv_upload_process(upload=upload)
    csv_upload_process(upload=upload)
    upload.refresh_from_db()
    assert (upload.rows_processed, upload.rows_stored) == (1, 1)
    assert csv_upload_process(upload=CsvUpload(pk=999_999)) is None


def test_an_interrupted_upload_resumes_where_it_stopped(org, pm, use_case, monkeypatch):
    from metrics.ingestion import uploads
    from metrics.services import csv_upload_create, csv_upload_process

    monkeypatch.setattr(uploads, "CHUNK_ROWS", 2)
    lines = "".join(f"{use_case.pk},latency_ms,{iso(ago(hours=1))},{i},,,c{i}\n" for i in range(5))
    upload = csv_upload_create(actor=pm, organization=org, file=csv_file(HEADER + lines))
    calls = {"n": 0}
    real = uploads.samples_ingest

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            from django.db import OperationalError

            raise OperationalError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(uploads, "samples_ingest", flaky)
    with pytest.raises(Exception, match="connection lost"):
        csv_upload_process(upload=upload)
    upload.refresh_from_db()
    assert upload.status == "processing" and upload.rows_processed == 2
    csv_upload_process(upload=upload)  # the retry
    upload.refresh_from_db()
    assert (upload.status, upload.rows_processed, upload.rows_stored) == ("done", 5, 5)
    assert Sample.objects.count() == 5


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("samples.txt", HEADER, "Upload a .csv file"),
        ("samples.csv", "", "empty"),
        ("samples.csv", HEADER, "no rows"),
        (
            "samples.csv",
            "use_case,metric,when,value\n1,latency_ms,x,1\n",
            "missing column(s): timestamp",
        ),
        ("samples.csv", "use_case,metric,timestamp,colour\n1,a,b,c\n", "unknown column(s): colour"),
        (
            "samples.csv",
            "use_case,metric,timestamp,value,value\n1,a,b,1,2\n",
            "repeated column(s): value",
        ),
    ],
)
def test_files_that_are_not_sample_csvs_are_refused(client, org, pm, name, content, message):
    client.force_login(pm)
    response = client.post(upload_url(org), {"file": csv_file(content, name)})
    assert response.status_code == 400
    assert message in response.text
    assert not CsvUpload.objects.exists()


def test_binary_and_non_utf8_files_are_refused(client, org, pm):
    client.force_login(pm)
    for payload, message in (
        (b"\x00\x01\x02PK", "not a text file"),
        (b"use_case,metric,timestamp\n\xff\xfe", "UTF-8"),
    ):
        response = client.post(upload_url(org), {"file": SimpleUploadedFile("x.csv", payload)})
        assert response.status_code == 400
        assert message in response.text
    assert not CsvUpload.objects.exists()


@override_settings(METRICS_UPLOAD_MAX_BYTES=200, METRICS_UPLOAD_MAX_ROWS=3)
def test_size_and_row_limits(client, org, pm, use_case):
    client.force_login(pm)
    big = HEADER + "x" * 300
    response = client.post(upload_url(org), {"file": csv_file(big)})
    assert response.status_code == 400 and "larger than" in response.text
    many = HEADER + "".join(f"{use_case.pk},latency_ms,t,{i},,,\n" for i in range(4))
    response = client.post(upload_url(org), {"file": csv_file(many)})
    assert response.status_code == 400 and "at most 3" in response.text
    assert not CsvUpload.objects.exists()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_who_may_upload(client, org, use_case, role, django_capture_on_commit_callbacks):
    user = add_member(org, role)
    client.force_login(user)
    page = client.get(upload_url(org))
    assert page.status_code == 200
    text = HEADER + f"{use_case.pk},latency_ms,{iso(ago(hours=1))},1,,,a\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(upload_url(org), {"file": csv_file(text)})
    if role in (Role.ORG_ADMIN, Role.PROGRAM_MANAGER):
        assert 'type="file"' in page.text
        assert response.status_code == 302
        assert Sample.objects.count() == 1
    else:
        assert 'type="file"' not in page.text
        assert response.status_code == 403
        assert not CsvUpload.objects.exists() and not DirtyPeriod.objects.exists()


def test_other_organizations_uploads_are_404(client, org, pm, other_org):
    other, other_admin, foreign_uc = other_org
    from metrics.services import csv_upload_create

    foreign = csv_upload_create(
        actor=other_admin,
        organization=other,
        file=csv_file(HEADER + f"{foreign_uc.pk},latency_ms,x,1,,,\n"),
    )
    client.force_login(pm)
    for name in ("metric_upload_detail", "metric_upload_rejected"):
        assert (
            client.get(reverse(name, kwargs={"org": org.slug, "pk": foreign.pk})).status_code == 404
        )
        assert (
            client.get(reverse(name, kwargs={"org": other.slug, "pk": foreign.pk})).status_code
            == 404
        )
    assert foreign.filename not in client.get(upload_url(org)).text


def test_the_rejected_rows_report_runs_no_formula(
    client, org, pm, use_case, django_capture_on_commit_callbacks
):
    t = iso(ago(hours=3))
    text = HEADER + f'{use_case.pk},=HYPERLINK("http://evil"),{t},1,,,@cmd\n'
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload_url(org), {"file": csv_file(text)})
    upload = CsvUpload.objects.get()
    report = client.get(
        reverse("metric_upload_rejected", kwargs={"org": org.slug, "pk": upload.pk})
    )
    (row,) = csv.DictReader(io.StringIO(report.content.decode()))
    assert row["metric"] == '\'=HYPERLINK("http://evil")'
    assert row["client_id"] == "'@cmd"
    assert row["line"] == "2"
