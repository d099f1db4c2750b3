"""gunicorn's settings for the web process: ``gunicorn -c config/gunicorn.py config.wsgi``.

Read from the environment like the app's settings: ``PORT`` (8000), ``WEB_CONCURRENCY`` (worker
processes; 2 per core + 1 by default), ``WEB_TIMEOUT`` (seconds before a stuck worker is
replaced), ``FORWARDED_ALLOW_IPS`` (the proxies whose X-Forwarded-* headers are trusted).
Access lines come from the app (``ops.middleware``, with the request id), so gunicorn's own
access log is off; its error log uses the app's format (JSON unless ``LOG_FORMAT=plain``).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from config.observability import logging_config

bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * multiprocessing.cpu_count() + 1)))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# The longest request line (method, path and query) accepted: 414 beyond it, before the app
# (documented on every API operation, readiness.api.schema).
limit_request_line = 4094
# Recycle workers now and then (a slow leak in any library stays bounded); jitter keeps them
# from all restarting at once.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Workers' heartbeat files in memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(
    json=os.environ.get("LOG_FORMAT", "json") == "json",
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
# gunicorn's own lines (start, worker boots and timeouts) through the same handler, once.
logconfig_dict["loggers"]["gunicorn.error"] = {
    "level": "INFO",
    "handlers": ["console"],
    "propagate": False,
}


def on_starting(server: Any) -> None:
    """Prometheus multiprocess mode: start from an empty directory (a previous run's files
    would add their counts to this run's)."""
    from ops.instruments import clear_multiprocess_dir

    clear_multiprocess_dir()


def child_exit(server: Any, worker: Any) -> None:
    """A worker that exits leaves its counters (they still count) but not its live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
