"""What the audit trail's tests share: tampering as a database administrator would."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from readiness.models import AuditEvent

TRIGGERS = (
    ("readiness_auditevent", "readiness_auditevent_append_only"),
    ("readiness_auditcheckpoint", "readiness_auditcheckpoint_append_only"),
)


def needs_postgres(what: str) -> None:
    """Skip on SQLite, saying why; with ``CI`` set, fail instead (CI runs on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} needs PostgreSQL, and CI must run it")
    pytest.skip(f"{what} needs PostgreSQL (CI runs it on PostgreSQL)")


@contextlib.contextmanager
def as_dba() -> Iterator[None]:
    """Inside the test's transaction, the append-only triggers are off, as the table's owner
    can turn them off (``ALTER TABLE ... DISABLE TRIGGER``); SQLite has none to turn off."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while foreign key checks are queued for the commit: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table, trigger in TRIGGERS:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def edit(event: AuditEvent, **fields: Any) -> None:
    with as_dba():
        AuditEvent.objects.filter(pk=event.pk).update(**fields)


def remove(*events: AuditEvent) -> None:
    with as_dba():
        AuditEvent.objects.filter(pk__in=[e.pk for e in events])._raw_delete(using="default")


def chain_of(org: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=org).order_by("sequence"))
