"""The ingestion validator's two paths agree on every row, and so do the API and CSV uploads.

``metrics.ingestion.validation.validate_samples`` checks each row on a short path of cheap checks (the fast
validator) and sends every row that fails one of them to ``_row_errors`` (the full validator),
which names every problem. Its promise: the short path may refuse too eagerly, never accept
wrongly, so the verdict is always the full validator's. Here both run over a generated set of
good and bad rows: every kind of bad value the full check knows, plus edge cases (NaN,
infinities, huge and negative numbers, booleans, strings, missing fields, timestamps with and
without offsets, at and past the time limits, NUL bytes).

Then the same rows go through the two real entry points, ``POST /api/v1/metrics/samples/`` and
a CSV upload, with the clock frozen at the validator's ``now``; each must accept exactly the
rows the validator accepts (the rows CSV or JSON can carry unchanged).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from typing import Any

import orjson
import pytest
import time_machine

from metrics.ingestion import validation as ingest
from metrics.ingestion.uploads import _sample, csv_upload_create, csv_upload_process
from metrics.ingestion.validation import FIELDS, validate_samples
from metrics.models import CsvUpload, Sample
from tests.factories import make_use_case
from tests.metrics.ingest_support import make_token, post

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
MAX_AGE_DAYS = 3 * 365  # the defaults of METRICS_MAX_AGE_DAYS and METRICS_MAX_FUTURE_SECONDS
FUTURE_SECONDS = 300
AN_HOUR_AGO = "2026-03-02T11:00:00Z"

# Ids stand in for: a use case of the organization, one outside the token's limit, another
# organization's (unknown here). The real-path tests map them onto real rows.
UC, UC_NOT_IN_TOKEN, UC_FOREIGN = 1, 2, 99
METRICS = {
    "latency_ms": (10, "measured"),
    "throughput": (11, "count"),
    "acceptance_rate": (12, "rate"),
}

GOOD = {
    "measured": {"use_case": UC, "metric": "latency_ms", "timestamp": AN_HOUR_AGO, "value": 120.5},
    "count": {"use_case": UC, "metric": "throughput", "timestamp": AN_HOUR_AGO, "value": 3},
    "rate": {
        "use_case": UC,
        "metric": "acceptance_rate",
        "timestamp": AN_HOUR_AGO,
        "numerator": 8,
        "denominator": 10,
    },
}


def _at(moment: dt.datetime) -> str:
    return moment.isoformat()


NUMBERS: list[Any] = [
    0,
    1,
    -1,
    3.0,
    1.5,
    -0.0,
    -1.5,
    1e308,
    -1e308,
    5e-324,
    2**53 + 1,
    2**62,
    2**62 + 1,
    2**63,
    2**64,
    10**30,
    10**400,  # an int too large for a float (a CSV cell of 401 digits)
    float("nan"),
    float("inf"),
    float("-inf"),
]
WRONG_KINDS: list[Any] = [None, True, False, "", "1", "1.5", "nan", [], {}, [1], {"a": 1}]

# For each field, the values to try in it (absent is tried separately).
VALUES: dict[str, list[Any]] = {
    "use_case": [UC, UC_NOT_IN_TOKEN, UC_FOREIGN, 0, -1, 1.0, 2**70, *WRONG_KINDS],
    "metric": [
        "latency_ms",
        "throughput",
        "acceptance_rate",
        "LATENCY_MS",
        "no_such_metric",
        "latency_ms\x00",
        " latency_ms",
        "x" * 200,
        5,
        *WRONG_KINDS,
    ],
    "timestamp": [
        AN_HOUR_AGO,
        "2026-03-02T16:30:00+05:30",  # an hour ago, with an offset
        "2026-03-02T06:00:00-05:00",
        "2026-03-02T11:00:00.123456+00:00",
        "2026-03-02T11:00:00.1234567Z",
        "2026-03-02T11:00Z",
        "20260302T110000Z",
        "2026-W10-1T11:00:00Z",
        "2026-03-02T11:00:00",  # no zone
        "2026-03-02",  # a date
        "2026-03-02T11:00:00Z\x00",
        "yesterday",
        "",
        "2026-02-30T11:00:00Z",
        _at(NOW + dt.timedelta(seconds=FUTURE_SECONDS)),  # the latest allowed
        _at(NOW + dt.timedelta(seconds=FUTURE_SECONDS, microseconds=1)),
        _at(NOW + dt.timedelta(days=1)),
        _at(NOW - dt.timedelta(days=MAX_AGE_DAYS)),  # the earliest allowed
        _at(NOW - dt.timedelta(days=MAX_AGE_DAYS, microseconds=1)),
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        1_772_449_200,  # the same hour as a Unix time
        1_772_449_200.0,
        *WRONG_KINDS,
    ],
    "value": [*NUMBERS, *WRONG_KINDS],
    "numerator": [8, 10, 11, *NUMBERS, *WRONG_KINDS],
    "denominator": [8, 10, 11, *NUMBERS, *WRONG_KINDS],
    "client_id": [
        None,
        "a",
        "x" * 100,
        "x" * 101,
        "é" * 100,
        "a\x00b",
        "",
        " ",
        5,
        True,
        ["a"],
    ],
    "replace": [True, False, None, 1, "true"],
}
NOT_OBJECTS: list[Any] = [None, "a row", 5, 1.5, True, [], [1, 2], ["use_case", UC]]


def generated_rows() -> list[Any]:
    """Every good row; each field of each kind replaced by every value, or left out; an unknown
    field; things that are not objects; and a few hundred rows with several fields changed at
    once (seeded, so every run tries the same rows)."""
    rows: list[Any] = [dict(good) for good in GOOD.values()]
    for good in GOOD.values():
        for name in FIELDS:
            for value in VALUES[name]:
                rows.append({**good, name: value})
            rows.append({k: v for k, v in good.items() if k != name})
        rows.append({**good, "colour": "red"})
    rows.extend(NOT_OBJECTS)
    pick = random.Random(20261129)
    for _ in range(400):
        row = dict(pick.choice(list(GOOD.values())))
        for name in pick.sample(FIELDS, pick.randint(2, 4)):
            if pick.random() < 0.15:
                row.pop(name, None)
            else:
                row[name] = pick.choice(VALUES[name])
        rows.append(row)
    return rows


def full_verdicts(rows: list[Any], *, allowed: set[int] | None) -> tuple[list[Any], list[Any]]:
    """Run the real validator with a spy on the full check: (its rows and errors, and what the
    full check alone makes of every row)."""
    calls: dict[int, Any] = {}
    limits: list[Any] = []
    real = ingest._row_errors

    def spy(sample, row, lim, seen, prefix, out):
        limits.append(lim)
        calls[row] = real(sample, row, lim, seen, prefix, out)
        return calls[row]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "_row_errors", spy)
        checked = validate_samples(
            rows,
            use_case_ids={UC, UC_NOT_IN_TOKEN},
            allowed_use_case_ids=allowed,
            metrics=METRICS,
            now=NOW,
            client_id_prefix="gen.",
        )
    # The full check alone, row by row, with the limits the validator used.
    alone = ingest.Validated()
    seen: dict[tuple[int, int, str], int] = {}
    verdicts = []
    for index, sample in enumerate(rows):
        accepted = real(sample, index, limits[0], seen, "gen.", alone)
        if accepted is not None:
            seen[(accepted[0], accepted[1], accepted[2])] = index
        verdicts.append(accepted)
    fast_accepted = {i for i in range(len(rows)) if i not in calls}
    return [checked, fast_accepted], [alone, verdicts]


@pytest.mark.parametrize("allowed", [None, {UC}], ids=["unlimited-token", "limited-token"])
def test_the_fast_path_accepts_and_refuses_exactly_what_the_full_check_does(allowed):
    rows = generated_rows()
    (checked, fast_accepted), (alone, verdicts) = full_verdicts(rows, allowed=allowed)
    accepted_alone = {i for i, v in enumerate(verdicts) if v is not None}

    # The fast path never accepts a row the full check refuses, and stores the same values.
    wrongly = sorted(fast_accepted - accepted_alone)
    assert wrongly == [], [rows[i] for i in wrongly]
    assert checked.rows == [v for v in verdicts if v is not None]
    assert checked.rejected_rows == set(range(len(rows))) - accepted_alone
    assert checked.errors == alone.errors
    # ... and it is a real path: every plain good row took it, and most accepted rows did.
    assert {0, 1, 2} <= fast_accepted
    assert len(fast_accepted) > 0.8 * len(accepted_alone)
    # The set covers both verdicts generously.
    assert len(accepted_alone) > 100 and len(checked.rejected_rows) > 500


def test_a_repeated_key_is_refused_by_both_paths_alike():
    rows = [
        {**GOOD["measured"], "client_id": "same"},
        {**GOOD["measured"], "client_id": "same", "value": 1},  # repeats row 0
        {**GOOD["rate"], "client_id": "same"},  # another metric: another key
        {**GOOD["measured"], "use_case": UC_NOT_IN_TOKEN, "client_id": "same"},  # another use case
        {**GOOD["measured"], "client_id": "same", "timestamp": "now"},  # bad and a repeat
    ]
    (checked, fast_accepted), (alone, verdicts) = full_verdicts(rows, allowed=None)
    assert [v is not None for v in verdicts] == [True, False, True, True, False]
    assert checked.rows == [v for v in verdicts if v is not None]
    assert checked.errors == alone.errors
    assert {(e["row"], e["field"]) for e in checked.errors} == {
        (1, "client_id"),
        (4, "timestamp"),
        (4, "client_id"),
    }
    assert fast_accepted == {0, 2, 3}


def test_values_the_database_cannot_store_are_refused_not_crashed_on():
    """Found by the generated rows: a NUL in a client id (PostgreSQL's COPY refused the batch:
    a 500) and an int too large for a float (math.isfinite raised OverflowError: a 500, and a
    CSV upload stopped)."""
    rows = [
        {**GOOD["measured"], "client_id": "a\x00b"},
        {**GOOD["measured"], "value": 10**400},
        {**GOOD["count"], "value": -(10**400)},
        {**GOOD["rate"], "numerator": 10**400},
        {**GOOD["rate"], "denominator": 10**400},
    ]
    (checked, _), (alone, _) = full_verdicts(rows, allowed=None)
    assert checked.rows == []
    assert [(e["row"], e["field"]) for e in checked.errors] == [
        (0, "client_id"),
        (1, "value"),
        (2, "value"),
        (3, "numerator"),
        (4, "denominator"),
    ]
    assert "NUL" in checked.errors[0]["message"]
    assert checked.errors == alone.errors


# --- The same rows through the API and through a CSV upload ----------------------------------


def _typed(sample: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((k, type(v).__name__, repr(v)) for k, v in sample.items() if v is not None)


def _as_json(sample: Any) -> bool:
    """The row means the same once sent as JSON."""
    try:
        again = orjson.loads(orjson.dumps(sample))
    except (TypeError, orjson.JSONEncodeError):
        return False
    if not isinstance(sample, dict):
        return isinstance(again, type(sample)) and repr(again) == repr(sample)
    return isinstance(again, dict) and _typed(again) == _typed(sample)


def _as_cells(sample: Any) -> list[str] | None:
    """The row as a CSV line, if a CSV cell can carry each of its values unchanged."""
    if not isinstance(sample, dict) or not sample.keys() <= set(FIELDS):
        return None
    cells = ["" if sample.get(name) is None else str(sample[name]) for name in FIELDS]
    if any("\n" in c or "\r" in c or "\x00" in c or c != c.strip() for c in cells):
        return None
    return cells if _typed(_sample(list(FIELDS), cells)) == _typed(sample) else None


@pytest.fixture
def real_rows(org, pm, use_case):
    """The generated rows on real ids, with the clock frozen at NOW (the age and future limits
    are measured from it)."""
    second = make_use_case(org, pm, name="Second")
    ids = {UC: use_case.pk, UC_NOT_IN_TOKEN: second.pk, UC_FOREIGN: 10**6 + use_case.pk}
    rows = []
    for row in generated_rows():
        if isinstance(row, dict) and type(row.get("use_case")) is int:
            row = {**row, "use_case": ids.get(row["use_case"], row["use_case"])}
        rows.append(row)
    with time_machine.travel(NOW, tick=False):
        yield rows


def _reference(org, rows, *, require_client_id: bool = False) -> set[int]:
    """The rows the validator itself accepts, in this organization's scope (the API requires
    client ids; a CSV upload makes them up from the file)."""
    from metrics.ingestion.samples import scope_of

    use_cases, metrics = scope_of(org.pk)
    checked = validate_samples(
        rows,
        use_case_ids=use_cases,
        allowed_use_case_ids=None,
        metrics=metrics,
        now=NOW,
        require_client_id=require_client_id,
    )
    return set(range(len(rows))) - checked.rejected_rows


def test_the_api_accepts_exactly_the_rows_the_validator_accepts(client, org, admin, real_rows):
    # The API requires client ids: rows without the field get one (rows with a bad one keep it).
    rows = [
        {**r, "client_id": f"api-{i}"} if isinstance(r, dict) and "client_id" not in r else r
        for i, r in enumerate(real_rows)
        if _as_json(r)
    ]
    accepted = _reference(org, rows, require_client_id=True)
    _, token = make_token(org, admin)
    response = post(client, token, rows)
    assert response.status_code == 400
    assert {e["row"] for e in response.json()["errors"]} == set(range(len(rows))) - accepted
    assert Sample.objects.count() == 0
    response = post(client, token, [rows[i] for i in sorted(accepted)])
    assert response.status_code == 201, response.content
    assert response.json()["stored"] == len(accepted) > 100


def test_a_csv_upload_accepts_exactly_the_rows_the_validator_accepts(org, pm, real_rows):
    lines = [cells for r in real_rows if (cells := _as_cells(r)) is not None]
    rows = [_sample(list(FIELDS), cells) for cells in lines]
    accepted = _reference(org, rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    writer.writerows(lines)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = csv_upload_create(
        actor=pm,
        organization=org,
        file=SimpleUploadedFile("rows.csv", out.getvalue().encode(), content_type="text/csv"),
    )
    csv_upload_process(upload=upload)
    upload = CsvUpload.objects.get(pk=upload.pk)
    assert upload.error == ""
    rejected_lines = {int(line[0]) for line in csv.reader(io.StringIO(upload.rejected_report))}
    # CSV line n holds row n - 2 (after the header line).
    assert {line - 2 for line in rejected_lines} == set(range(len(rows))) - accepted
    assert upload.rows_stored == Sample.objects.count() == len(accepted) > 50
