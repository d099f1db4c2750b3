"""A PostgreSQL cluster of a test's own, on a free port, that the test may stop and start.

Never the shared cluster on 5432: ``initdb`` into a fresh directory, started with ``pg_ctl`` on
a port the system picks, listening on 127.0.0.1 only, trust authentication (a throwaway cluster
on the loopback). As root, PostgreSQL refuses to run, so its commands run as the ``postgres``
user (``runuser -u postgres --``). The server binaries come from /usr/lib/postgresql/<version>/
bin, the newest version there.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2


@contextlib.contextmanager
def _connect(url: str, *, autocommit: bool = False, **options: Any) -> Iterator[Any]:
    """A cursor on a connection of its own (psycopg2, the driver the app runs on), committed
    and closed on leaving."""
    conn = psycopg2.connect(url, **options)
    try:
        conn.autocommit = autocommit
        with conn.cursor() as cursor:
            yield cursor
        if not autocommit:
            conn.commit()
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bin_dir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    """``start()``, ``stop()``, ``restart()`` and ``destroy()`` one throwaway cluster."""

    def __init__(self, bin_dir: Path, *, database: str = "readiness_own") -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.database = database
        self.root = Path(tempfile.mkdtemp(prefix="readiness-own-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user="postgres", group="postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run(
            [*prefix, *command],
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def init(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.start()
        with _connect(self.maintenance_url, autocommit=True) as cursor:
            cursor.execute(f'CREATE DATABASE "{self.database}"')

    @property
    def maintenance_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        # fsync off: a throwaway cluster on a shared machine; a fast shutdown still writes every
        # committed transaction out (only an operating-system crash would lose them).
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
            " -c max_connections=60"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
        with _connect(self.url, connect_timeout=5) as cursor:
            cursor.execute(sql, params or None)
            return list(cursor.fetchall())

    def wait_until(self, predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return True
            except psycopg2.OperationalError:
                pass
            time.sleep(0.3)
        return False


def forget_broker_connections(app) -> None:  # type: ignore[no-untyped-def]
    """Drop the app's pooled broker connections, so that what it publishes next (tasks, and the
    control messages ``ping`` sends) goes to the broker now configured.

    Celery keeps a connection pool and a producer pool for the broker it first connected to; a
    test that points ``broker_url`` at a Redis of its own after an earlier test has published
    would otherwise ping the old broker and never hear its worker answer."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def send_tasks_to(app, url: str) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    """Point the app's publishing at the broker ``url`` (tasks no longer eager) and return
    what puts it back; the pooled connections are dropped both ways (see
    :func:`forget_broker_connections`)."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    forget_broker_connections(app)

    def restore() -> None:
        for key, value in saved.items():
            app.conf[key] = value
        forget_broker_connections(app)

    return restore
