"""The transient errors every Celery task retries on, with backoff and jitter.

A database that blinks (a restart, a failover, a dropped connection) raises ``OperationalError``
or ``InterfaceError``; a mail server or webhook endpoint that does not answer raises one of the
``OSError`` family. Anything else is a bug or bad data and is not retried.
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
TRANSIENT_NETWORK_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, OSError)
TRANSIENT_ERRORS = TRANSIENT_DB_ERRORS + TRANSIENT_NETWORK_ERRORS
