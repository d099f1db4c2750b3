"""The benchmark's own PostgreSQL database: dropped, created and migrated on every run.

Only the database named in ``BENCH_DATABASE_URL`` is touched. To issue ``DROP DATABASE`` and
``CREATE DATABASE`` the code connects to the server's maintenance database (``postgres``) and
runs those two statements there, nothing else. A name without "bench" in it is refused, so a
mistyped URL cannot drop a real database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/readiness_bench"


class BenchError(Exception):
    """A failure that stops the benchmark; the message says what to fix."""


@dataclass(frozen=True)
class Target:
    url: str
    name: str
    maintenance_url: str


def target_from_url(
    url: str, *, marker: str = "bench", variable: str = "BENCH_DATABASE_URL"
) -> Target:
    """Parse and check a throwaway database's URL (``variable`` names it in messages). Its
    name must contain ``marker``: it is dropped. Raises BenchError on a bad or unsafe one."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise BenchError(f"{variable} must be a postgresql:// URL (got scheme {parts.scheme!r}).")
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise BenchError(f"{variable} must name a database, e.g. .../readiness_{marker}.")
    if marker not in name:
        raise BenchError(
            f"Refusing to drop database {name!r}: this run drops and recreates its "
            f"database, so its name must contain {marker!r} (e.g. readiness_{marker})."
        )
    maintenance = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    return Target(url=url, name=name, maintenance_url=maintenance)


@contextlib.contextmanager
def cursor(dsn: str, *, autocommit: bool = False) -> Iterator[Any]:
    """A cursor on a connection of its own, through psycopg2 (the driver the app runs on);
    committed (unless autocommit) and closed on leaving."""
    conn = psycopg2.connect(dsn)
    try:
        conn.autocommit = autocommit
        with conn.cursor() as cur:
            yield cur
        if not autocommit:
            conn.commit()
    finally:
        conn.close()


def recreate(target: Target) -> None:
    """Drop the benchmark database (closing its sessions) and create it empty."""
    try:
        with cursor(target.maintenance_url, autocommit=True) as cur:
            ident = sql.Identifier(target.name)
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    except psycopg2.OperationalError as exc:
        raise BenchError(f"Cannot reach PostgreSQL at {target.maintenance_url}: {exc}") from exc


def drop(target: Target) -> None:
    with cursor(target.maintenance_url, autocommit=True) as cur:
        cur.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        )


def app_environment(target: Target, static_root: str) -> dict[str, str]:
    """Environment of the app as deployed (DEBUG off, a secret key), against the bench database.

    ``testserver`` is allowed so the in-process test client can count queries with the same
    settings. REDIS_URL is removed: the bench must not enqueue into a broker others use.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DATABASE_URL=target.url,
        DEBUG="0",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def setup_django(target: Target) -> dict[str, str]:
    """Point this process at the bench database with production-like settings, set Django up,
    migrate and collect static files. Returns the environment for the gunicorn process."""
    static_root = tempfile.mkdtemp(prefix="readiness-bench-static-")
    env = app_environment(target, static_root)
    for name in ("REDIS_URL",):
        os.environ.pop(name, None)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    return env
