"""Parsing and checking a batch of samples, in plain Python and without I/O.

* :func:`parse_batch` turns the request body into a list (or refuses the whole batch).
* :func:`validate_samples` checks each row and returns the rows to store, as tuples, and the
  errors, as ``{"row", "field", "message"}`` dicts.

Every check a DRF serializer would make is made here, row by row, and every row's error is
reported; only faster (see :mod:`metrics.ingestion`).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings

from metrics.ingestion.rows import EPOCH, MICROS_PER_DAY, ONE_MICROSECOND, DayKey, Row
from metrics.models import MAX_ABS_VALUE, MetricKind

FIELDS = (
    "use_case",
    "metric",
    "timestamp",
    "value",
    "numerator",
    "denominator",
    "client_id",
    "replace",
)
_ALLOWED = frozenset(FIELDS)
MAX_CLIENT_ID = 100
MAX_COUNT = 2**62
# The largest whole number a float holds. A larger int (only a CSV cell of 309 digits or more
# makes one) is not a finite number: math.isfinite would raise OverflowError on it.
MAX_FLOAT_INT = int(sys.float_info.max)


class BatchRefused(Exception):
    """The whole batch is refused; ``errors`` says why, by row where a row is at fault."""

    def __init__(self, errors: list[dict[str, Any]], *, status: int = 400):
        self.errors = errors
        self.status = status
        super().__init__(f"{len(errors)} error(s)")


def batch_error(message: str, status: int = 400) -> BatchRefused:
    return BatchRefused([{"row": None, "field": None, "message": message}], status=status)


def max_batch() -> int:
    return int(getattr(settings, "METRICS_MAX_BATCH", 10_000))


def parse_batch(body: bytes) -> list[Any]:
    """The JSON list of samples in ``body``. Raises BatchRefused for anything else.

    orjson refuses ``NaN`` and ``Infinity`` literals, which JSON does not have, and numbers too
    large for a float (``1e999``); :func:`validate_samples` still refuses non-finite values that
    reach it another way (a CSV cell ``nan``).
    """
    if not body:
        raise batch_error("Send a JSON list of samples.")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise batch_error(
            f"The body is not valid JSON ({exc}). NaN and Infinity are not JSON numbers."
        ) from exc
    if not isinstance(data, list):
        raise batch_error("Send a JSON list of samples, not a single object.")
    if not data:
        raise batch_error("The batch is empty.")
    limit = max_batch()
    if len(data) > limit:
        raise batch_error(
            f"A batch holds at most {limit:,} samples; this one has {len(data):,}. "
            "Split it into smaller batches.",
            status=413,
        )
    return data


@dataclass
class Validated:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    days: set[DayKey] = field(default_factory=set)
    rejected_rows: set[int] = field(default_factory=set)
    # The keys of rows sent with ``"replace": true`` (corrections), and each key's row number.
    replace: set[tuple[int, int, str]] = field(default_factory=set)
    row_of: dict[tuple[int, int, str], int] = field(default_factory=dict)


# (metric id, kind, smallest valid value, largest valid value)
MetricInfo = tuple[int, str, float, float]


def default_range(kind: str) -> tuple[float, float]:
    """The range of a metric that sets none: finite, at most MAX_ABS_VALUE in size, and not
    negative for counts."""
    return (0.0 if kind == MetricKind.COUNT else -MAX_ABS_VALUE), MAX_ABS_VALUE


def _with_ranges(metrics: dict[str, tuple[Any, ...]]) -> dict[str, MetricInfo]:
    """Metrics given as (id, kind) get the default range of their kind."""
    return {
        key: info if len(info) == 4 else (info[0], info[1], *default_range(info[1]))
        for key, info in metrics.items()
    }


def _number(value: float) -> str:
    """A bound or a refused value as people read it (huge ones in short scientific form)."""
    number = float(value)
    if abs(number) >= MAX_ABS_VALUE:
        return f"{number:.6g}"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,}"


def _kind_error(kind: str) -> str:
    if kind == MetricKind.RATE:
        return "This metric is a rate: send numerator and denominator, not value."
    return "This metric takes a value, not numerator and denominator."


@dataclass(frozen=True)
class _Limits:
    use_case_ids: frozenset[int] | set[int]
    allowed_use_case_ids: frozenset[int] | set[int] | None
    metrics: dict[str, MetricInfo]
    earliest: int
    latest: int
    future_seconds: int
    max_age_days: int
    # True when the retention of raw samples (shorter than METRICS_MAX_AGE_DAYS) sets the limit.
    by_retention: bool
    require_client_id: bool


def validate_samples(
    samples: Sequence[Any],
    *,
    use_case_ids: frozenset[int] | set[int],
    allowed_use_case_ids: frozenset[int] | set[int] | None,
    metrics: dict[str, tuple[Any, ...]],
    now: dt.datetime,
    first_row: int = 0,
    client_id_prefix: str | None = None,
    require_client_id: bool = False,
) -> Validated:
    """Check every sample; collect every error. No I/O.

    ``use_case_ids`` are the organization's use cases (any other id, another tenant's or none,
    is "unknown", so ids of other organizations leak nothing); ``allowed_use_case_ids`` is the
    token's limit (None: all). ``metrics`` maps a metric key to (id, kind, min, max), the
    inclusive range of a value (or to (id, kind): the kind's default range). Row numbers in
    errors start at ``first_row``. With ``require_client_id`` (the API) every sample must carry
    a client id; otherwise samples without one get ``<prefix><row>`` (a fresh random prefix
    per call unless given; a CSV upload's prefix is its file's hash, so stable on a retry).

    Values must be finite and inside their metric's range, counts whole numbers, and rates
    need at least one trial. A row with ``"replace": true`` corrects the stored sample of the
    same key (``Validated.replace``); it needs a client id.

    A well-formed row takes a short path of cheap checks; any row that fails one of them goes
    through :func:`_row_errors`, the complete check, which names every problem (and accepts
    the row if, after all, it has none). So the short path may refuse too eagerly, never
    accept wrongly.
    """
    out = Validated()
    metrics = _with_ranges(metrics)
    add_row = out.rows.append
    add_day = out.days.add
    seen: dict[tuple[int, int, str], int] = out.row_of  # each stored key's row number
    max_age = int(getattr(settings, "METRICS_MAX_AGE_DAYS", 3 * 365))
    # A sample older than the retention would land in a month whose partition is (or is about
    # to be) dropped: refuse it rather than store what is deleted anyway.
    retention = int(getattr(settings, "METRICS_SAMPLE_RETENTION_DAYS", 0))
    by_retention = 0 < retention < max_age
    if by_retention:
        max_age = retention
    future = int(getattr(settings, "METRICS_MAX_FUTURE_SECONDS", 300))
    now_micros = (now - EPOCH) // ONE_MICROSECOND
    limits = _Limits(
        use_case_ids=use_case_ids,
        allowed_use_case_ids=allowed_use_case_ids,
        metrics=metrics,
        earliest=max(0, now_micros - max_age * MICROS_PER_DAY),
        latest=now_micros + future * 1_000_000,
        future_seconds=future,
        max_age_days=max_age,
        by_retention=by_retention,
        require_client_id=require_client_id,
    )
    permitted = (
        use_case_ids
        if allowed_use_case_ids is None
        else set(use_case_ids) & set(allowed_use_case_ids)
    )
    earliest, latest = limits.earliest, limits.latest
    prefix = client_id_prefix if client_id_prefix is not None else f"~{uuid.uuid4().hex[:20]}."
    fromiso = dt.datetime.fromisoformat
    metric_of = metrics.get
    allowed_fields = _ALLOWED
    rate_kind = MetricKind.RATE.value
    count_kind = MetricKind.COUNT.value
    epoch, micro = EPOCH, ONE_MICROSECOND

    # The short path stores a well-formed row and moves on (``continue``); any other row falls
    # through to the complete check below.
    for index, sample in enumerate(samples):
        row = first_row + index
        if type(sample) is dict:
            get = sample.get
            use_case = get("use_case")
            key = get("metric")
            stamp = get("timestamp")
            client_id = get("client_id")
            if (
                type(use_case) is int
                and use_case in permitted
                and type(key) is str
                and type(stamp) is str
                and (
                    (client_id is None and not require_client_id)
                    or (
                        type(client_id) is str
                        and 0 < len(client_id) <= MAX_CLIENT_ID
                        and "\x00" not in client_id
                    )
                )
                and sample.keys() <= allowed_fields
                and (metric := metric_of(key)) is not None
            ):
                try:
                    when = fromiso(stamp)
                except ValueError:
                    when = None
                if when is not None and when.tzinfo is not None:
                    micros = (when - epoch) // micro
                    metric_id, kind, lo, hi = metric
                    if client_id is None:
                        client_id = f"{prefix}{row}"
                    stored_key = (use_case, metric_id, client_id)
                    # A key repeated within the batch is left to the full check to name.
                    if earliest <= micros <= latest and stored_key not in seen:
                        if kind == rate_kind:
                            numerator = get("numerator")
                            denominator = get("denominator")
                            if (
                                type(numerator) is int
                                and type(denominator) is int
                                and 0 <= numerator <= denominator <= MAX_COUNT
                                and denominator >= 1
                                and get("value") is None
                                and get("replace") is None
                            ):
                                seen[stored_key] = row
                                add_row(
                                    (
                                        use_case,
                                        metric_id,
                                        client_id,
                                        micros,
                                        None,
                                        numerator,
                                        denominator,
                                    )
                                )
                                add_day((use_case, metric_id, micros // MICROS_PER_DAY))
                                continue
                        else:
                            value: Any = get("value")
                            vtype = type(value)
                            # The range is finite, so inside it a float is finite too.
                            if (
                                (vtype is float or vtype is int)
                                and lo <= value <= hi
                                and (kind != count_kind or vtype is int or value.is_integer())
                                and get("numerator") is None
                                and get("denominator") is None
                                and get("replace") is None
                            ):
                                seen[stored_key] = row
                                add_row((use_case, metric_id, client_id, micros, value, None, None))
                                add_day((use_case, metric_id, micros // MICROS_PER_DAY))
                                continue
        accepted = _row_errors(sample, row, limits, seen, prefix, out)
        if accepted is None:
            continue
        key3 = (accepted[0], accepted[1], accepted[2])
        seen[key3] = row
        if type(sample) is dict and sample.get("replace") is True:
            out.replace.add(key3)
        add_row(accepted)
        add_day((accepted[0], accepted[1], accepted[3] // MICROS_PER_DAY))
    return out


def _row_errors(
    sample: Any,
    row: int,
    limits: _Limits,
    seen: dict[tuple[int, int, str], int],
    prefix: str,
    out: Validated,
) -> Row | None:
    """The complete check of one sample: records every error in ``out`` and returns None, or
    returns the row when it has none."""
    bad: list[tuple[str | None, str]] = []
    if type(sample) is not dict:
        out.errors.append({"row": row, "field": None, "message": "Each sample must be an object."})
        out.rejected_rows.add(row)
        return None
    if not sample.keys() <= _ALLOWED:
        for name in sorted(str(k) for k in sample.keys() - _ALLOWED):
            bad.append((name, f"Unknown field; the fields are {', '.join(FIELDS)}."))

    use_case = sample.get("use_case")
    if type(use_case) is not int:
        bad.append(("use_case", "Give the use case's id, a whole number."))
    elif use_case not in limits.use_case_ids:
        bad.append(("use_case", f"Unknown use case {use_case} in this organization."))
    elif limits.allowed_use_case_ids is not None and use_case not in limits.allowed_use_case_ids:
        bad.append(("use_case", f"This token may not write to use case {use_case}."))

    key = sample.get("metric")
    metric = limits.metrics.get(key) if type(key) is str else None
    if metric is None:
        if type(key) is not str or not key:
            bad.append(("metric", "Give the metric's key, e.g. latency_ms."))
        else:
            bad.append(("metric", f"Unknown metric '{key[:60]}'."))

    stamp = sample.get("timestamp")
    micros = 0
    if type(stamp) is not str:
        bad.append(("timestamp", "Give an ISO 8601 time with its zone, e.g. 2026-03-01T09:30:00Z."))
    else:
        try:
            when = dt.datetime.fromisoformat(stamp)
        except ValueError:
            bad.append(("timestamp", f"'{stamp[:40]}' is not an ISO 8601 time."))
        else:
            if when.tzinfo is None:
                bad.append(("timestamp", "Give the time zone, e.g. a trailing Z for UTC."))
            else:
                micros = (when - EPOCH) // ONE_MICROSECOND
                if micros > limits.latest:
                    bad.append(
                        (
                            "timestamp",
                            f"The time is more than {limits.future_seconds} seconds in the future.",
                        )
                    )
                elif micros < limits.earliest:
                    message = f"The time is more than {limits.max_age_days} days in the past."
                    if limits.by_retention:
                        message += (
                            f" Raw samples are kept {limits.max_age_days} days"
                            " (METRICS_SAMPLE_RETENTION_DAYS): an older one would be deleted."
                        )
                    bad.append(("timestamp", message))

    value: Any = sample.get("value")
    numerator: Any = sample.get("numerator")
    denominator: Any = sample.get("denominator")
    if metric is not None:
        kind = metric[1]
        if kind == MetricKind.RATE:
            if value is not None:
                bad.append(("value", _kind_error(kind)))
            numerator = _whole(numerator, "numerator", bad)
            denominator = _whole(denominator, "denominator", bad)
            if denominator == 0:
                bad.append(("denominator", "A rate needs at least one trial (denominator ≥ 1)."))
            elif numerator is not None and denominator is not None and numerator > denominator:
                bad.append(
                    ("numerator", "The numerator (successes) exceeds the denominator (trials).")
                )
        else:
            if numerator is not None or denominator is not None:
                bad.append(
                    ("numerator" if numerator is not None else "denominator", _kind_error(kind))
                )
            vtype = type(value)
            if vtype is not float and vtype is not int:
                bad.append(
                    ("value", "Give a number." if value is not None else "A value is required.")
                )
            elif not (
                math.isfinite(value) if vtype is float else -MAX_FLOAT_INT <= value <= MAX_FLOAT_INT
            ):
                bad.append(("value", "The value must be a finite number, not NaN or infinity."))
            elif kind == MetricKind.COUNT and value < 0:
                bad.append(("value", "A count cannot be negative."))
            elif not metric[2] <= value <= metric[3]:
                bad.append(
                    (
                        "value",
                        f"{_number(value)} is outside the valid range of '{key}': "
                        f"{_number(metric[2])} to {_number(metric[3])}.",
                    )
                )
            elif kind == MetricKind.COUNT and vtype is float and not value.is_integer():
                bad.append(("value", "A count is a whole number."))

    replace = sample.get("replace")
    if replace is not None and type(replace) is not bool:
        bad.append(("replace", "Give true to correct the stored sample, or leave it out."))
    client_id = sample.get("client_id")
    if client_id is None:
        if limits.require_client_id or replace is True:
            bad.append(
                (
                    "client_id",
                    "A client id is required: your id for this sample, so that a retried batch "
                    "stores nothing twice and a correction finds the sample it replaces.",
                )
            )
        client_id = f"{prefix}{row}"
    if type(client_id) is not str or not client_id or len(client_id) > MAX_CLIENT_ID:
        bad.append(("client_id", f"A client id is text of 1 to {MAX_CLIENT_ID} characters."))
    elif "\x00" in client_id:  # PostgreSQL text cannot hold it: refused here, not by the COPY
        bad.append(("client_id", "A client id cannot contain a NUL character (\\u0000)."))
    elif metric is not None and type(use_case) is int:
        first = seen.get((use_case, metric[0], client_id))
        if first is not None:
            bad.append(("client_id", f"Row {first} has the same use case, metric and client id."))

    if bad:
        out.rejected_rows.add(row)
        out.errors.extend({"row": row, "field": f, "message": m} for f, m in bad)
        return None
    assert metric is not None and type(use_case) is int
    if metric[1] == MetricKind.RATE:
        return (use_case, metric[0], client_id, micros, None, numerator, denominator)
    return (use_case, metric[0], client_id, micros, value, None, None)


def _whole(number: Any, name: str, bad: list[tuple[str | None, str]]) -> int | None:
    """A non-negative whole number (``3`` or ``3.0``), or None after recording the error."""
    kind = type(number)
    if kind is int:
        if 0 <= number <= MAX_COUNT:
            return int(number)
    elif (
        kind is float and math.isfinite(number) and number.is_integer() and 0 <= number <= MAX_COUNT
    ):
        return int(number)
    if number is None:
        bad.append((name, f"A rate needs a {name}."))
    elif kind in (int, float) and ((kind is float and not math.isfinite(number)) or number < 0):
        bad.append((name, f"The {name} must be zero or more, and finite."))
    else:
        bad.append((name, f"The {name} must be a whole number of zero or more."))
    return None
