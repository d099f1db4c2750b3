"""Celery hooks: task metrics, the request id carried into tasks, the worker's heartbeat, and
the worker's metrics server. Connected once from :class:`ops.apps.OpsConfig`; none holds
business logic."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from celery import signals
from celery.states import FAILURE, RETRY, SUCCESS

from ops import requestid
from ops.instruments import TASK_DURATION, TASK_RUNS

log = logging.getLogger(__name__)

OUTCOMES = {SUCCESS: "succeeded", FAILURE: "failed", RETRY: "retried"}
HEARTBEAT_EVERY_SECONDS = 10.0

# task id -> (monotonic start, the request-id binding to undo); one entry per running task.
_running: dict[str, tuple[float, Any]] = {}
_last_heartbeat = 0.0


def _add_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    """A task queued while a request (or another task) runs carries its request id."""
    current = requestid.get()
    if current and headers is not None and "request_id" not in headers:
        headers["request_id"] = current


def _task_started(task_id: str = "", task: Any = None, **_: Any) -> None:
    # A message's custom headers become attributes of task.request; in-process (eager) tasks
    # have none and keep the id of the request that ran them.
    carried = getattr(getattr(task, "request", None), "request_id", None)
    token = requestid.bind(carried or requestid.get() or requestid.new_id())
    _running[task_id] = (time.monotonic(), token)


def _task_finished(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    started = _running.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    # No state: the task raised in-process (eager, exceptions propagated) before one was set.
    TASK_RUNS.labels(name, OUTCOMES.get(state or FAILURE, (state or "").lower())).inc()
    if started is None:
        return
    began, token = started
    TASK_DURATION.labels(name).observe(time.monotonic() - began)
    # Bound in another context (a thread pool): nothing to undo here.
    with contextlib.suppress(ValueError, RuntimeError):
        requestid.unbind(token)


def _heartbeat(sender: Any = None, **_: Any) -> None:
    """Celery's heart beats every 2 s in the worker's main process; every few beats, record
    that this node is alive for /readyz. A broker that does not answer only skips a beat."""
    global _last_heartbeat
    now = time.monotonic()
    if now - _last_heartbeat < HEARTBEAT_EVERY_SECONDS:
        return
    _last_heartbeat = now
    from ops import health

    node = getattr(getattr(sender, "eventer", None), "hostname", None) or "unknown"
    try:
        health.worker_seen(node)
    except Exception as exc:  # any broker failure: the next beat tries again
        log.warning("worker heartbeat not recorded: %s", exc.__class__.__name__)


def _worker_starting(**_: Any) -> None:
    """In the worker's main process, before its pool starts: fresh metric files, and the
    metrics server when a port is configured."""
    from ops import exporter
    from ops.instruments import clear_multiprocess_dir

    clear_multiprocess_dir()
    exporter.start_from_settings()


def connect() -> None:
    signals.before_task_publish.connect(_add_request_id, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)
    signals.heartbeat_sent.connect(_heartbeat, weak=False)
    signals.worker_init.connect(_worker_starting, weak=False)
