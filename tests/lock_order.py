"""The audit's lock order, checked on every test: nothing after ``audit_record``.

``audit_record`` locks the organization's chain head until the transaction commits. If a
transaction holding it then waits for another row (an UPDATE, a ``SELECT ... FOR UPDATE``, even
an INSERT whose foreign key meets a row another writer holds FOR UPDATE), and that writer waits
for the chain head, PostgreSQL detects a deadlock and one request answers 500. So every service
changes and locks its rows first and appends its audit record(s) last; this checker watches the
SQL of each test and fails the test when a service's transaction writes or locks anything but
the audit tables after it touched the chain head.

The "service's transaction" is the outermost atomic block that is not the test case's own
(Django marks those ``_from_testcase``): in production it is the real transaction.
"""

from __future__ import annotations

import contextlib
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

ROOT = Path(__file__).resolve().parent.parent
AUDIT_TABLES = ('"readiness_auditevent"', '"readiness_auditchainhead"')
# An outbox message (readiness.outbox.enqueue) may follow the audit record: its table has no
# foreign key and no unique constraint but its serial key, so inserting into it never waits for
# a lock another transaction holds, and cannot close a cycle with the chain head.
# The same holds for a stored readiness's staleness mark (portfolio.models.ReadinessMark).
OUTBOX_INSERT = re.compile(
    r'^\s*INSERT\s+INTO\s+"(readiness_outboxmessage|portfolio_readinessmark)"', re.I
)
HEAD = '"readiness_auditchainhead"'
WRITES_OR_LOCKS = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR\s+(NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.I
)


def _project_frames() -> list[str]:
    """The project frames of the current stack (not Django's, not the tests'), outermost first."""
    return [
        f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()
        if f.filename.startswith(str(ROOT))
        and "/.venv/" not in f.filename
        and "/tests/" not in f.filename
    ]


class LockOrderChecker:
    """An execute wrapper for one connection; :meth:`installed` also watches its commits and
    rollbacks, which end the transaction being watched.

    The demo seed is exempt: it runs many services inside one transaction of its own, alone,
    before anyone uses the organization, so nothing can wait on it.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.audited: tuple[int, str | None] | None = None
        self.violations: list[str] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[LockOrderChecker]:
        wrapper = connections[DEFAULT_DB_ALIAS]
        commit, rollback = wrapper.commit, wrapper.rollback

        def ended(original: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                self.audited = None
                original()

            return run

        wrapper.commit, wrapper.rollback = ended(commit), ended(rollback)
        try:
            with wrapper.execute_wrapper(self):
                yield self
        finally:
            del wrapper.commit, wrapper.rollback

    def _service_transaction(self) -> tuple[int, str | None] | None:
        """Which service transaction is running: its atomic block, and the savepoint it opened
        (a decorator reuses one Atomic object for every call, but each call's savepoint id is
        new; an outermost block has none, and its end is seen by commit or rollback)."""
        blocks = self.connection.atomic_blocks
        for index, block in enumerate(blocks):
            if not getattr(block, "_from_testcase", False):
                sid = self.connection.savepoint_ids[index - 1] if index else None
                return id(block), sid
        return None

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        current = self._service_transaction()
        if current != self.audited:
            self.audited = None  # that transaction ended (or this is another one)
        if (
            current is not None
            and current == self.audited
            and WRITES_OR_LOCKS.search(sql)
            and not any(table in sql for table in AUDIT_TABLES)
            and not OUTBOX_INSERT.match(sql)
        ):
            frames = _project_frames()
            # A test's own SQL (tampering, fixtures) has no project frame: not a service's.
            if frames and not any("demo" in frame for frame in frames):
                where = " <- ".join(reversed(frames[-4:]))
                self.violations.append(f"{' '.join(sql.split())[:160]}\n    at {where}")
        result = execute(sql, params, many, context)
        if current is not None and HEAD in sql:
            self.audited = current
        return result
