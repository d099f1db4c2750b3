"""Posting one delivery over HTTP with the standard library (no new dependency).

The host is resolved once (webhooks.addresses) and the connection is made to an address that
lookup returned, with the name kept for everything else: the Host header, TLS's SNI and the
certificate check. Nothing looks the name up a second time, so the address checked is the
address reached.

Redirects are not followed: a POST turned into a GET loses its body and signature, and a
redirect could point the request somewhere the admin never registered.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from webhooks import addresses

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


def open_socket(target: addresses.Target, timeout: float) -> socket.socket:
    """A TCP connection to exactly this address (no name involved)."""
    sock = socket.socket(target.family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(target.sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to ``host`` (the Host header) over a connection to the checked ``targets``."""

    def __init__(self, host: str, port: int, targets: list[addresses.Target]) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.targets = targets

    def _connect_pinned(self) -> socket.socket:
        last: OSError | None = None
        for target in self.targets:  # the resolver's order, like socket.create_connection
            try:
                return open_socket(target, TIMEOUT_SECONDS)
            except OSError as exc:
                last = exc
        assert last is not None  # resolve() never returns an empty list
        raise last

    def connect(self) -> None:
        self.sock = self._connect_pinned()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def __init__(self, host: str, port: int, targets: list[addresses.Target]) -> None:
        super().__init__(host, port, targets)
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        # SNI and the certificate check are for the name, not for the address connected to.
        self.sock = self.context.wrap_socket(self._connect_pinned(), server_hostname=self.host)


def _retry_after(value: str | None) -> int | None:
    try:
        return max(0, int(value)) if value else None
    except ValueError:
        return None


def post(url: str, body: bytes, headers: dict[str, str], *, allow_private: bool) -> Result:
    """POST ``body`` to ``url``. Unless ``allow_private``, a host that resolves to any address
    that is not public is refused (a final failure) and nothing is sent."""
    # The URL was validated as http(s) with a host when the endpoint was saved.
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        targets = (addresses.resolve if allow_private else addresses.resolve_public)(host, port)
    except addresses.Unresolved:
        return Result(None, "", f"Could not resolve the host of {url}.", elapsed())
    except addresses.AddressRefused as exc:
        return Result(None, "", f"{exc} Not sent.", elapsed(), final=True)

    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(host, port, targets)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_READ).decode("utf-8", "replace")
        error = ""
        if 300 <= response.status < 400:
            error = (
                f"The endpoint redirected (HTTP {response.status}) to "
                f"{response.getheader('Location', '?')}; redirects are not followed: "
                "register the final URL."
            )
        return Result(
            response.status,
            text[:BODY_KEEP],
            error,
            elapsed(),
            retry_after=_retry_after(response.getheader("Retry-After")),
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Result(None, "", f"{type(exc).__name__}: {exc}"[:BODY_KEEP], elapsed())
    finally:
        connection.close()
