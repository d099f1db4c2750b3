"""Posting one delivery over HTTP with the standard library (no new dependency).

Redirects are not followed: a POST turned into a GET loses its body and signature, and a
redirect could point the request somewhere the admin never registered.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

TIMEOUT_SECONDS = 10
MAX_READ = 64 * 1024
BODY_KEEP = 2000  # characters of the response kept in the log


@dataclass(frozen=True)
class Result:
    status: int | None  # HTTP status, None when no answer came (network error)
    body: str
    error: str
    duration_ms: int
    retry_after: int | None = None  # seconds, from a 429/503 Retry-After header
    final: bool = False  # refused before sending: trying again cannot help

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Network errors, 5xx and 429 are worth another try; other answers are final."""
        if self.final:
            return False
        if self.status is None:
            return True
        return self.status >= 500 or self.status == 429


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _retry_after(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value else None
    except ValueError:
        return None


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    # The URL was validated as http(s) when the endpoint was saved (services.validate_url).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            text = response.read(MAX_READ).decode("utf-8", "replace")
            return Result(response.status, text[:BODY_KEEP], "", elapsed())
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(MAX_READ).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            text = ""
        error = ""
        if 300 <= exc.code < 400:
            error = (
                f"The endpoint redirected (HTTP {exc.code}) to {exc.headers.get('Location', '?')}; "
                "redirects are not followed: register the final URL."
            )
        return Result(
            exc.code,
            text[:BODY_KEEP],
            error,
            elapsed(),
            retry_after=_retry_after(exc.headers.get("Retry-After")),
        )
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Result(None, "", f"{type(exc).__name__}: {reason}"[:BODY_KEEP], elapsed())
