"""(c) Pages: median and p95 time under concurrent clients, and the query count per page.

A generic harness: give it URL names that take the organization's slug (``org``). Each name is
reversed; a name that does not resolve (the page is not built yet) is reported "not available"
rather than failing the run.

* Query count: in this process, with Django's test client signed in as the executive and
  :class:`~django.test.utils.CaptureQueriesContext`, after one warm-up request (so caches that
  fill once per process are not counted) and with the cache emptied (so the page is rendered,
  not taken from another reader of the same state). The statements are kept, to tell whether a
  page read the raw samples table.
* Time: over real HTTP to gunicorn with the executive's session cookie (a session created with
  Django's session store, exactly what the sign-in form would leave): first one client alone
  (the page's own time), then ``clients`` threads each making ``requests`` GETs after a warm-up
  round (the time a user waits when the server is busy). The clients use ``http.client``, whose
  cost on the two cores the server shares is a fraction of the ``requests`` library's.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.database import BenchError
from bench.report import median, percentile


@dataclass(frozen=True)
class Page:
    url_name: str
    label: str


@dataclass
class PageResult:
    page: Page
    org: str
    use_cases: int
    path: str | None = None  # None: the URL name does not resolve
    queries: int | None = None
    raw_sample_queries: int | None = None
    latencies: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)  # one client, one request at a time
    status: int | None = None
    error: str | None = None  # the page failed (an exception, or an answer other than 200)
    background: Any = None  # what ran beside the concurrent clients (bench.ingest.Background)

    @property
    def available(self) -> bool:
        return self.path is not None

    @property
    def median(self) -> float:
        return median(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)


def resolve(page: Page, org: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(page.url_name, kwargs={"org": org})
    except NoReverseMatch:
        return None


def session_cookie(user: Any) -> str:
    """A signed-in session for ``user``, as ``django.contrib.auth.login`` would write it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def _check(result: PageResult, response: Any) -> None:
    if response.status_code == 200:
        return
    reason = f"HTTP {response.status_code}"
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        message = str(exc_info[1]).strip().splitlines()
        reason += f", {exc_info[0].__name__}: {message[0] if message else ''}"
    raise BenchError(f"{result.path} answered {reason}")


def count_queries(result: PageResult, user: Any) -> None:
    """Query count of one GET in this process (after a warm-up GET)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    assert result.path is not None
    client = Client(raise_request_exception=False)
    client.force_login(user)
    warm = client.get(result.path)
    _check(result, warm)
    # The queries of a request that renders the page, not of one given a table another reader
    # rendered for the same state (the dashboard and the use case list share theirs).
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(result.path)
    _check(result, response)
    result.status = response.status_code
    result.queries = len(captured.captured_queries)
    result.raw_sample_queries = sum(
        1 for q in captured.captured_queries if "metrics_sample" in (q["sql"] or "")
    )


class Browser:
    """One signed-in client: GETs with the session cookie, redirects not followed."""

    def __init__(self, base_url: str, cookie_name: str, cookie: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.headers = {"Cookie": f"{cookie_name}={cookie}"}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path: str) -> int:
        """The status of a GET of ``path``, its body read whole."""
        try:
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the connection after the last answer: once more, afresh.
            self.connection.close()
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


def time_page(
    result: PageResult,
    base_url: str,
    cookie_name: str,
    cookie: str,
    *,
    clients: int,
    each: int,
    during: Callable[[], AbstractContextManager[Any]] | None = None,
) -> None:
    """A few GETs from one client, then ``clients`` threads making ``each`` GETs each (after
    one warm-up GET per thread), inside ``during()`` when given (ingestion running)."""
    assert result.path is not None
    path = result.path
    url = base_url + path
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client() -> None:
        browser = Browser(base_url, cookie_name, cookie)
        try:
            warm = browser.get(path)
            if warm != 200:
                errors.append(f"HTTP {warm}")
            start.wait(timeout=120)
            for _ in range(each):
                if errors:
                    return
                began = time.perf_counter()
                status = browser.get(path)
                took = time.perf_counter() - began
                if status != 200:
                    errors.append(f"HTTP {status}")
                    return
                with lock:
                    latencies.append(took)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            errors.append(str(exc))
            start.abort()
        finally:
            browser.close()

    # One client first: the page's own time, without queueing behind the other clients.
    browser = Browser(base_url, cookie_name, cookie)
    try:
        for _ in range(max(5, each // 2)):
            began = time.perf_counter()
            status = browser.get(path)
            if status != 200:
                raise BenchError(f"{result.page.label} over HTTP ({url}): HTTP {status}")
            result.alone.append(time.perf_counter() - began)
    finally:
        browser.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    with during() if during is not None else contextlib.nullcontext() as background:
        result.background = background
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise BenchError(f"{result.page.label} over HTTP ({url}): {errors[0]}")
    result.latencies = latencies


def measure(
    pages: list[Page],
    tenants: Sequence[tuple[str, int, Any]],
    *,
    base_url: str,
    clients: int,
    each: int,
    during: Mapping[str, Callable[[], AbstractContextManager[Any]]] | None = None,
) -> list[PageResult]:
    """Every page for every (org slug, use case count, executive) tenant; the concurrent
    clients run inside ``during[slug]()`` where given (ingestion into that organization)."""
    from django.conf import settings

    results = []
    for page in pages:
        for slug, use_cases, user in tenants:
            result = PageResult(page=page, org=slug, use_cases=use_cases, path=resolve(page, slug))
            results.append(result)
            if not result.available:
                continue
            try:
                count_queries(result, user)
                time_page(
                    result,
                    base_url,
                    settings.SESSION_COOKIE_NAME,
                    session_cookie(user),
                    clients=clients,
                    each=each,
                    during=(during or {}).get(slug),
                )
            except BenchError as exc:
                # One broken page must not hide the others' figures; the run still fails.
                result.error = str(exc)
    return results
