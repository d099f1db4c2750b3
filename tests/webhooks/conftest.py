"""A real HTTP receiver on localhost (http.server in a thread) that records what it is sent and
answers from a script, so deliveries are tested end to end: bytes, headers and signature."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from readiness.models import Role
from tests.factories import add_member
from webhooks import services


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # Answers given in order: (status, body, extra headers); the last one repeats.
    script: list[tuple[int, str, dict[str, str]]] = field(
        default_factory=lambda: [(200, '{"ok": true}', {})]
    )

    def answer(self, *answers: int | tuple[int, str] | tuple[int, str, dict[str, str]]) -> None:
        script = []
        for a in answers:
            if isinstance(a, int):
                script.append((a, f"status {a}", {}))
            elif len(a) == 2:
                script.append((a[0], a[1], {}))
            else:
                script.append(a)  # type: ignore[arg-type]
        self.script = script


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            index = min(len(state.received) - 1, len(state.script) - 1)
            status, text, headers = state.script[index]
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            payload = text.encode()
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/readiness"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def dev_server(settings: Any) -> None:
    """As on a development server: plain http and localhost receivers are allowed (the tests of
    the address checks turn WEBHOOKS_ALLOW_PRIVATE_NETWORKS off themselves)."""
    settings.DEBUG = True
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    settings.SITE_URL = "https://readiness.example"


@pytest.fixture
def executive(org: Any) -> Any:
    return add_member(org, Role.EXECUTIVE)


@pytest.fixture
def endpoint(org: Any, admin: Any, receiver: Receiver) -> Any:
    return services.endpoint_create(
        actor=admin,
        organization=org,
        url=receiver.url,
        events=["gate.passed", "gate.refused", "signoff.recorded", "incident.opened"],
        description="Program channel",
    )
