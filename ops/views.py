"""Probes, the metrics endpoint, and the error pages.

* ``GET /healthz``: liveness. 200 while the process serves; asks nothing of the database or the
  broker (a Redis outage must not get a web process that still serves pages restarted).
* ``GET /readyz``: readiness. 200 only when the database answers, its migrations are applied,
  the broker answers and a worker was seen lately; else 503. The body names each one's state.
* ``GET /metrics``: Prometheus text format, for a bearer token or an allowed network.
* The error handlers (400, 403, 404, 500): the product's own pages, JSON under ``/api/``. A
  database that does not answer gets 503 with ``Retry-After`` rather than 500, and the 500/503
  page renders from the template alone (no request context, so no query).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ops import health, requestid, scrape_auth
from ops.instruments import scrape_registry
from ops.middleware import note_exception

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ok, checks = health.readiness()
    response = JsonResponse({"status": "ready" if ok else "not ready", **checks})
    if not ok:
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # One warning naming what is not ready, instead of Django's error line for every 5xx:
        # a probe asks every few seconds, and not ready is a state, not a server error.
        response._has_been_logged = True  # type: ignore[attr-defined]
        log.warning(
            "not ready: %s",
            ", ".join(f"{name} {c['status']}" for name, c in checks.items() if c["status"] != "ok"),
        )
    return response


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    verdict = scrape_auth.judge(
        remote_addr=request.META.get("REMOTE_ADDR"),
        authorization=request.headers.get("Authorization"),
        forwarded="HTTP_X_FORWARDED_FOR" in request.META,
    )
    if not verdict.allowed:
        response = HttpResponse(verdict.reason, status=verdict.status, content_type="text/plain")
        if verdict.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = generate_latest(scrape_registry(backlog=True))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


# --- error pages -------------------------------------------------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _request_id(request: HttpRequest) -> str:
    return getattr(request, "request_id", None) or requestid.get() or ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(
                {"detail": "The body is larger than the server accepts."}, status=413
            )
        return JsonResponse({"detail": "Bad request."}, status=400)
    return _page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception or "").strip()
    if _is_api(request):
        return JsonResponse({"detail": reason or "You do not have permission."}, status=403)
    return _page(request, "403.html", 403, {"reason": reason})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (CSRF_FAILURE_VIEW): JSON under /api/, the 403 page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            {"detail": f"CSRF check failed: {reason or 'send the X-CSRFToken header.'}"},
            status=403,
        )
    return _page(request, "403.html", 403, {"reason": "The form expired; reload the page."})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return _page(request, "404.html", 404)


def _page(
    request: HttpRequest, template: str, status: int, extra: dict[str, Any] | None = None
) -> HttpResponse:
    context = {
        "request_id": _request_id(request),
        "membership": getattr(request, "membership", None),
        **(extra or {}),
    }
    return TemplateResponse(request, template, context, status=status).render()


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the database does not answer. Renders without the request's context:
    the context processors query the database, which may be what failed."""
    exc = sys.exc_info()[1]
    if exc is not None:
        note_exception(request, exc)
    unavailable = isinstance(exc, OperationalError | InterfaceError)
    status = 503 if unavailable else 500
    rid = _request_id(request)
    if _is_api(request):
        detail = (
            "The service is briefly unavailable (its database is not answering). Retry later."
            if unavailable
            else "Server error. The operators have the details under this request id."
        )
        response: HttpResponse = JsonResponse({"detail": detail, "request_id": rid}, status=status)
    else:
        response = HttpResponse(_error_html(unavailable, rid), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _error_html(unavailable: bool, rid: str) -> str:
    try:
        template = loader.get_template("503.html" if unavailable else "500.html")
        return template.render({"request_id": rid, "error_page": True})
    except Exception:  # the page itself failed (e.g. static files not collected): say it plainly
        log.exception("the error page could not be rendered")
        title = "briefly unavailable" if unavailable else "a server error"
        return (
            f"<!doctype html><title>Readiness</title><h1>Readiness: {title}</h1>"
            f"<p>Try again in a minute. Reference: {escape(rid)}</p>"
        )
