"""Writing checked rows inside the caller's transaction, reporting how many were new.

On PostgreSQL a batch of new samples is one binary ``COPY`` straight into the table
(:func:`copy_new_samples`), with no savepoint around it: if a row's key already exists in its
month (a retried batch), the COPY fails and the caller's transaction rolls back whole, and the
caller sends the batch again through :func:`store_samples`. That one goes through a temporary
table: the stored samples of its keys are compared with the batch's (a resend that differs is
a *conflict*, unless it is a correction sent with ``"replace": true``, which replaces the
stored sample), then ``INSERT ... ON CONFLICT DO NOTHING`` stores the new rows. SQLite does
the same with plain statements.

The table is partitioned by month on PostgreSQL (:mod:`metrics.ingestion.partitions`) and a
key is unique within its month only: :func:`store_samples` compares a plain resend with the
stored sample of the same month (as the COPY's unique violation does), so a resend whose time
moved to another month is stored as a new sample on both paths. A correction looks in every
month: it deletes the key's stored samples wherever they are and inserts the new one, so a
correction that moves a sample to another month leaves no copy behind. A batch with
corrections therefore skips the COPY (which sees only the new row's month).

Why no savepoint: a savepoint costs two round trips on every batch (``SAVEPOINT`` and
``RELEASE``), and a retry is rare; rolling back the few statements before the COPY and doing
them again is cheaper on the whole.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection

from metrics.ingestion.rows import EPOCH, ONE_MICROSECOND, Row
from metrics.models import Sample

# (use case id, metric id, client id)
SampleKey = tuple[int, int, str]


@dataclass
class Stored:
    """What :func:`store_samples` did. ``conflicts`` are keys already stored (in the same
    month, on PostgreSQL) with another time or value and not sent as corrections: nothing was
    written for them (the caller refuses them). ``replaced`` maps each corrected key to the
    former times (µs) of the samples the correction replaced (one, unless a resend to another
    month had stored the key twice)."""

    stored: int = 0
    duplicates: int = 0
    conflicts: list[SampleKey] = field(default_factory=list)
    replaced: dict[SampleKey, list[int]] = field(default_factory=dict)


COLUMNS = "use_case_id, metric_id, client_id, ts, value, numerator, denominator"
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
# Field count 7; use case (int8); metric (int8); then the client id's length, bytes follow.
_HEAD = struct.Struct(">hiqiqi").pack
# Time (int8 µs), value (float8), numerator and denominator NULL.
_TAIL_VALUE = struct.Struct(">iqidii").pack
# Time (int8 µs), value NULL, numerator (int8), denominator (int8).
_TAIL_RATE = struct.Struct(">iqiiqiq").pack


def copy_payload(rows: Iterable[Row]) -> bytes:
    """The rows in PostgreSQL's binary COPY format, columns in the order of :data:`COLUMNS`."""
    parts = [_COPY_SIGNATURE]
    add = parts.append
    for use_case, metric, client_id, micros, value, numerator, denominator in rows:
        cid = client_id.encode()
        add(_HEAD(7, 8, use_case, 8, metric, len(cid)))
        add(cid)
        if value is not None:
            add(_TAIL_VALUE(8, micros, 8, value, -1, -1))
        else:
            add(_TAIL_RATE(8, micros, -1, 8, numerator, 8, denominator))
    add(_COPY_TRAILER)
    return b"".join(parts)


def _copy(table: str, payload: bytes) -> None:
    """COPY the payload into ``table`` with whichever PostgreSQL driver Django uses."""
    sql = f"COPY {table} ({COLUMNS}) FROM STDIN WITH (FORMAT binary)"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, io.BytesIO(payload))
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                copy.write(payload)


class KeysExist(Exception):
    """Some rows of a batch sent to :func:`copy_new_samples` are stored already: the caller's
    transaction is aborted; roll it back and send the batch through :func:`store_samples`."""


def copy_new_samples(rows: Sequence[Row]) -> Stored | None:
    """On PostgreSQL, COPY the rows into the table, all of them new, and return what was
    stored; None on another database (use :func:`store_samples`).

    Must run inside the caller's transaction. Raises :class:`KeysExist` when a key is stored
    already in its month; the transaction is then aborted and must be rolled back (leave the
    atomic block with the exception). Not for batches with corrections (see the module).
    """
    if connection.vendor != "postgresql":
        return None
    if not rows:
        return Stored()
    try:
        _copy("metrics_sample", copy_payload(rows))
    # The only constraints: each partition's unique key (use case, metric, client id).
    except IntegrityError as exc:
        raise KeysExist from exc
    return Stored(stored=len(rows))


def store_samples(rows: Sequence[Row], *, replace: Collection[SampleKey] = ()) -> Stored:
    """Write the new rows, update the stored samples of the keys in ``replace`` and report the
    rest: plain duplicates (same time and value: a retry) and conflicts (see :class:`Stored`).

    Must run inside the caller's transaction; a caller that refuses conflicts rolls it back.
    """
    if not rows:
        return Stored()
    if connection.vendor == "postgresql":
        payload = copy_payload(rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS metrics_sample_incoming"
                " (LIKE metrics_sample) ON COMMIT DELETE ROWS"
            )
            cursor.execute("TRUNCATE metrics_sample_incoming")
            _copy("metrics_sample_incoming", payload)
            cursor.execute(
                """
                SELECT i.use_case_id, i.metric_id, i.client_id,
                    (extract(epoch FROM s.ts - timestamptz '2000-01-01 00:00:00+00')
                        * 1000000)::bigint,
                    (i.ts, i.value, i.numerator, i.denominator)
                        IS DISTINCT FROM (s.ts, s.value, s.numerator, s.denominator),
                    date_trunc('month', i.ts AT TIME ZONE 'UTC')
                        = date_trunc('month', s.ts AT TIME ZONE 'UTC')
                FROM metrics_sample_incoming i
                JOIN metrics_sample s ON s.use_case_id = i.use_case_id
                    AND s.metric_id = i.metric_id AND s.client_id = i.client_id
                """
            )
            existing = cursor.fetchall()
            result = _sort_existing(existing, replace)
            if result.replaced:
                # Delete, then insert below: the new time may fall in another partition.
                keys = list(result.replaced)
                cursor.execute(
                    """
                    DELETE FROM metrics_sample s
                    USING unnest(%s::bigint[], %s::bigint[], %s::text[]) AS k(uc, m, cid)
                    WHERE s.use_case_id = k.uc AND s.metric_id = k.m AND s.client_id = k.cid
                    """,
                    [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
                )
            cursor.execute(
                f"INSERT INTO metrics_sample ({COLUMNS}) SELECT {COLUMNS}"  # noqa: S608
                " FROM metrics_sample_incoming ON CONFLICT DO NOTHING"
            )
            # The corrected samples were inserted again: they are not new.
            result.stored = int(cursor.rowcount) - len(result.replaced)
            return result
    return _store_sqlite(rows, replace)


def _sort_existing(
    existing: Iterable[tuple[int, int, str, int, bool, bool]], replace: Collection[SampleKey]
) -> Stored:
    """Sort the batch's keys that are stored already into duplicates, corrections, conflicts.

    Each stored sample of a batch key comes as (key, its time in µs, whether it differs from
    the batch's row, whether it is in the same month). A plain resend is judged against the
    sample of its month only (the key is unique within a month); a correction against all.
    """
    result = Stored()
    found: dict[SampleKey, list[tuple[int, bool]]] = {}
    for use_case, metric, client_id, old_micros, differs, same_month in existing:
        key = (int(use_case), int(metric), client_id)
        if key in replace or same_month:
            found.setdefault(key, []).append((int(old_micros), bool(differs)))
    for key, stored in found.items():
        if key in replace:
            # A correction that changes nothing is a plain duplicate.
            if len(stored) == 1 and not stored[0][1]:
                result.duplicates += 1
            else:
                result.replaced[key] = sorted(micros for micros, _ in stored)
        elif stored[0][1]:
            result.conflicts.append(key)
        else:
            result.duplicates += 1
    return result


def _store_sqlite(rows: Sequence[Row], replace: Collection[SampleKey]) -> Stored:
    adapt = connection.ops.adapt_datetimefield_value
    # A value is a float column; an int past SQLite's 64-bit integers must go in as a float.
    params = [
        (
            uc,
            m,
            cid,
            adapt(EPOCH + dt.timedelta(microseconds=us)),
            v if v is None else float(v),
            num,
            den,
        )
        for uc, m, cid, us, v, num, den in rows
    ]
    incoming = {(r[0], r[1], r[2]): r for r in rows}
    stored = Sample.objects.filter(
        use_case_id__in={r[0] for r in rows},
        metric_id__in={r[1] for r in rows},
        client_id__in={r[2] for r in rows},
    ).values_list(
        "use_case_id", "metric_id", "client_id", "ts", "value", "numerator", "denominator"
    )
    existing = []
    for uc, m, cid, ts, value, numerator, denominator in stored:
        new = incoming.get((uc, m, cid))
        if new is None:
            continue
        micros = (ts - EPOCH) // ONE_MICROSECOND
        new_value = None if new[4] is None else float(new[4])
        differs = (micros, value, numerator, denominator) != (new[3], new_value, new[5], new[6])
        existing.append((uc, m, cid, micros, differs, True))  # one table: one key, all months
    result = _sort_existing(existing, replace)
    with connection.cursor() as cursor:
        if result.replaced:
            by_key = {(p[0], p[1], p[2]): p for p in params}
            cursor.executemany(
                "UPDATE metrics_sample SET ts = %s, value = %s, numerator = %s, denominator = %s"
                " WHERE use_case_id = %s AND metric_id = %s AND client_id = %s",
                [(*by_key[key][3:], *key) for key in result.replaced],
            )
        cursor.executemany(
            f"INSERT OR IGNORE INTO metrics_sample ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            params,
        )
        result.stored = int(cursor.rowcount)
    return result
