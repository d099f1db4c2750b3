"""The worker's metrics server: what the worker's processes counted (task runs, durations,
samples stored by uploads), on ``WORKER_METRICS_PORT``, under the same rule as the web's
``/metrics`` (:mod:`ops.scrape_auth`). Started in the worker's main process, before the pool
forks; the pool processes write their counts to the multiprocess directory it reads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.conf import settings
from prometheus_client.exposition import ThreadingWSGIServer, make_wsgi_app

from ops import scrape_auth
from ops.instruments import scrape_registry

log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per scrape would drown the worker's own log


def application() -> Callable[..., Iterable[bytes]]:
    metrics_app = make_wsgi_app(scrape_registry(backlog=False))

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        verdict = scrape_auth.judge(
            remote_addr=environ.get("REMOTE_ADDR"),
            authorization=environ.get("HTTP_AUTHORIZATION"),
            forwarded="HTTP_X_FORWARDED_FOR" in environ,
        )
        if not verdict.allowed:
            start_response(f"{verdict.status} Refused", [("Content-Type", "text/plain")])
            return [verdict.reason.encode()]
        return metrics_app(environ, start_response)

    return guarded


def start(port: int, address: str = "0.0.0.0") -> ThreadingWSGIServer:  # noqa: S104
    server = make_server(
        address, port, application(), ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics-exporter", daemon=True)
    thread.start()
    log.info("worker metrics served on port %s", server.server_port)
    return server


def start_from_settings() -> None:
    port = settings.WORKER_METRICS_PORT
    if port:
        start(port)
