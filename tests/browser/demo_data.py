"""The demo organization for browser tests: seeded once per run on PostgreSQL, copied back after.

Every browser test starts from a flushed database (the live server needs committed data), and
``seed_demo`` takes 15 to 18 s on PostgreSQL: seeding it for each of some fifty tests was a third
of ``make test``. On PostgreSQL the first test runs ``seed_demo`` and copies every table out
(``COPY … TO STDOUT``, binary); the tests after it truncate the tables, copy them back in, and
set each sequence past the copied ids, which takes well under a second. A snapshot older than
``MAX_AGE`` (or taken on another day) is seeded afresh, so the demo's "now"-relative data (90
days of samples, due dates, notifications) never ages by more than a few minutes.

What lives outside the tables is reset too: Django's content-type cache (the copied
rows may carry other ids than the ones the flush left), and the cache entries the app keys on
row ids (restored ids repeat from test to test, where freshly seeded ones never did).

On SQLite ``seed_demo`` runs every time, as before.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

MAX_AGE = 600.0  # seconds


@dataclass
class _Snapshot:
    taken: datetime.datetime
    tables: list[tuple[str, bytes]]


_snapshot: _Snapshot | None = None


def seed_demo() -> None:
    """The demo organization, as the ``seed_demo`` command leaves it."""
    global _snapshot
    if connection.vendor != "postgresql":
        call_command("seed_demo")
        return
    if _snapshot is not None and _fresh(_snapshot):
        _restore(_snapshot)
        return
    call_command("seed_demo")
    _snapshot = _take()


def _fresh(snapshot: _Snapshot) -> bool:
    now = timezone.now()
    age = (now - snapshot.taken).total_seconds()
    return 0 <= age < MAX_AGE and now.date() == snapshot.taken.date()


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _copy_out(cursor, table: str) -> bytes:
    # A query rather than the table: COPY TO refuses a partitioned table (PostgreSQL 15).
    quoted = connection.ops.quote_name(table)  # a table name from Django's introspection
    sql = "COPY (SELECT * FROM " + quoted + ") TO STDOUT (FORMAT binary)"  # noqa: S608
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        buffer = io.BytesIO()
        raw.copy_expert(sql, buffer)
        return buffer.getvalue()
    chunks = []
    with raw.copy(sql) as copy:
        for chunk in copy:
            chunks.append(bytes(chunk))
    return b"".join(chunks)


def _copy_in(cursor, table: str, payload: bytes) -> None:
    sql = f"COPY {connection.ops.quote_name(table)} FROM STDIN (FORMAT binary)"
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.BytesIO(payload))
        return
    with raw.copy(sql) as copy:
        copy.write(payload)


def _take() -> _Snapshot:
    with connection.cursor() as cursor:
        tables = [(table, _copy_out(cursor, table)) for table in _tables()]
    return _Snapshot(taken=timezone.now(), tables=tables)


def _restore(snapshot: _Snapshot) -> None:
    quote = connection.ops.quote_name
    models = apps.get_models(include_auto_created=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(quote(t) for t, _ in snapshot.tables) + " CASCADE")
        for table, payload in snapshot.tables:
            _copy_in(cursor, table, payload)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    ContentType.objects.clear_cache()
    _clear_app_cache()


def _clear_app_cache() -> None:
    """The app's own cache entries only: on Redis the database may be Celery's broker too."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:  # local memory
        cache.clear()
        return
    client = client_of(None, write=True)
    keys = list(client.scan_iter(match=cache.make_key("*")))
    if keys:
        client.delete(*keys)
