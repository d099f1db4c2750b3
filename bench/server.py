"""The app as deployed, on free local ports against the benchmark database: gunicorn, a
redis-server of the bench's own (the broker and the cache; never the shared 6379) and a Celery
worker, so that a request queues its follow-up work (the stored readiness of the use cases it
changed) as in production instead of running it inline."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Self

from bench.database import BenchError

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Process:
    """A child process in its own process group, logging to a temporary file; stopped by its
    own pid (TERM, then KILL after 10 s) on exit, also on error."""

    name = "process"

    def __init__(self, command: list[str], env: dict[str, str], *, timeout: float = 60.0):
        self.command = command
        self.env = env
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = (
            Path(tempfile.gettempdir()) / f"readiness-bench-{self.name}-{os.getpid()}.log"
        )

    def ready(self) -> bool:
        raise NotImplementedError

    def not_ready(self) -> str:
        """What the last readiness check saw, for the error."""
        return str(getattr(self, "last", "no answer"))

    def __enter__(self) -> Self:
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (fixed commands, this venv's programs)
            self.command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.timeout
        try:
            while not self.ready():
                if self.process.poll() is not None:
                    raise BenchError(
                        f"{self.name} exited with code {self.process.returncode}; see "
                        f"{self.log_path}:\n{self.log_tail()}"
                    )
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{self.name} was not ready within {self.timeout:.0f} s "
                        f"({self.not_ready()}); see "
                        f"{self.log_path}:\n{self.log_tail()}"
                    )
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is None:
            self.log_path.unlink(missing_ok=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if hasattr(self, "_log") and not self._log.closed:
            self._log.close()


class Gunicorn(_Process):
    """``with Gunicorn(env, workers=3) as server: server.url``, ready once ``/healthz``
    answers 200."""

    name = "gunicorn"

    def __init__(self, env: dict[str, str], *, workers: int, startup_timeout: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.last = "no answer"
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--worker-class", "sync", "--timeout", "120",
                   "--graceful-timeout", "5", "--log-level", "warning"]  # fmt: skip
        super().__init__(command, env, timeout=startup_timeout)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310
                self.last = f"HTTP {response.status}"
                return bool(response.status == 200)
        except urllib.error.HTTPError as exc:
            self.last = f"HTTP {exc.code}: {exc.read()[:200]!r}"
        except OSError as exc:
            self.last = str(exc)
        return False


class RedisServer(_Process):
    """``with RedisServer() as redis: redis.url``: no persistence, loopback only."""

    name = "redis"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no"]  # fmt: skip
        super().__init__(command, dict(os.environ), timeout=15)

    def ready(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                return False
            sock.sendall(b"PING\r\n")
            try:
                return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False


class CeleryWorker(_Process):
    """``with CeleryWorker(env):`` a worker on the app's queue (``env`` carries REDIS_URL),
    ready once its log says so."""

    name = "worker"

    def __init__(self, env: dict[str, str], *, concurrency: int = 1) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
                   f"--concurrency={concurrency}", "--without-mingle", "--without-gossip",
                   "-n", f"bench-{os.getpid()}@localhost"]  # fmt: skip
        super().__init__(command, env, timeout=60)

    def ready(self) -> bool:
        try:
            return b" ready." in self.log_path.read_bytes()
        except OSError:
            return False
