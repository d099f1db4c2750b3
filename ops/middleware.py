"""The outermost middleware: a request id for the request, its metrics, and one access line.

It binds the request id (:mod:`ops.requestid`) before anything else runs, so every log line of
the request carries it, returns it in ``X-Request-ID``, counts the request by route (the URL
pattern, never the raw path: ids would make a series per object) and logs one line when the
answer leaves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from ops import requestid
from ops.instruments import HTTP_ERRORS, HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("readiness.access")

# Probes and scrapes arrive every few seconds: logged only at DEBUG.
QUIET_ROUTES = {"healthz", "readyz", "metrics"}


def route_of(request: HttpRequest) -> str:
    """The URL pattern that matched (``o/<slug:org>/use-cases/<int:pk>/``), without the regex
    anchors of the API router's patterns; ``unmatched`` for every unknown path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    route = (match.route or "").replace("^", "").replace("$", "")
    return route or match.view_name or "unmatched"


def note_exception(request: HttpRequest, exc: BaseException) -> None:
    """Remember which exception a request died of (the error counter's label)."""
    request._ops_exception = exc.__class__.__name__  # type: ignore[attr-defined]


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = requestid.from_header(request.headers.get(requestid.HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        # Bound until the response is closed (request_finished, see below), not only while
        # the middleware runs: Django logs a 5xx answer after the middleware chain returns.
        requestid.bind(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[requestid.HEADER] = request_id
        self._record(request, response, time.perf_counter() - started)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        note_exception(request, exception)

    def _record(self, request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        route = route_of(request)
        method = request.method or "-"
        status = response.status_code
        HTTP_REQUESTS.labels(route, method, str(status)).inc()
        HTTP_LATENCY.labels(route, method).observe(seconds)
        if status >= 500:
            HTTP_ERRORS.labels(route, getattr(request, "_ops_exception", "none")).inc()
        match = getattr(request, "resolver_match", None)
        quiet = match is not None and match.url_name in QUIET_ROUTES
        fields: dict[str, Any] = {
            "method": method,
            "path": request.path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %.1fms",
            method,
            request.path,
            status,
            seconds * 1000,
            extra=fields,
        )


def _request_finished(**_: Any) -> None:
    requestid.bind(None)


request_finished.connect(_request_finished, dispatch_uid="ops.requestid.unbind")
