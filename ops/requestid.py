"""The request id: one id per request (or task), in every log line written while it runs.

The id comes from the caller's ``X-Request-ID`` when it is a sane token (a proxy or a client
that already tagged the request), or is made here; the response carries it back, and tasks
queued during the request carry it in their message headers (:mod:`ops.signals`), so one id
follows a user's action from the web process into the worker.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
# What we accept from outside: short, no spaces or control characters (it goes into logs and a
# response header as it is).
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def from_header(value: str | None) -> str:
    """The caller's id when it is acceptable, else a new one."""
    if value and _VALID.match(value):
        return value
    return new_id()


def get() -> str | None:
    return _current.get()


def bind(request_id: str | None) -> contextvars.Token[str | None]:
    return _current.set(request_id)


def unbind(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task), so formatters,
    plain and JSON alike, can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get() or "-"
        return True
