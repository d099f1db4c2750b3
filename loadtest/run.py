"""``make loadtest`` (``python -m loadtest.run``): the app as deployed, under load, for a bounded
time, with every figure printed at the end.

1. Recreates ``LOADTEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/
   readiness_load``; its name must contain "load", as it is dropped), migrates it and seeds one
   organization with ``LOADTEST_USE_CASES`` (1,000) use cases through ``use_case_create``, with
   targets and 90 days of roll-ups (bench/seed.py), an API token and signed-in sessions.
2. Starts a redis-server of its own on a free port (never the shared 6379), gunicorn with
   config/gunicorn.py and ``DEBUG=0``, a Celery worker and beat, all on that database and Redis.
3. Runs locust headless for ``LOADTEST_SECONDS`` (60): ``LOADTEST_BROWSERS`` (8) users
   browsing with no think time and ``LOADTEST_INGESTERS`` (2) clients posting batches of
   ``LOADTEST_BATCH`` (1,000) samples (loadtest/locustfile.py).
4. Prints requests/s and p50/p95/p99 per page, errors, the ingestion rate in samples/s and the
   roll-up backlog left, then stops everything it started (also on Ctrl-C or SIGTERM: each
   process runs in its own process group and is stopped by its own pid) and drops the database
   (``LOADTEST_KEEP_DB=1`` keeps it).

Not part of ``make test``: it takes the machine for about two minutes. The client shares the
machine's cores with the server: compare runs on the same machine, and read ratios.
Exit status: 0 when the run completed, 2 when it could not run (the message says what to fix).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench import database
from bench.database import BenchError
from bench.server import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/readiness_load"
PAGES = ("portfolio", "use-case list", "use case", "scorecards", "home", "search")
SESSIONS = 8


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number; got {raw!r}") from None
    if value < minimum:
        raise BenchError(f"{name} must be at least {minimum}; got {value}")
    return value


@dataclass(frozen=True)
class Config:
    database_url: str
    seconds: int
    use_cases: int
    browsers: int
    ingesters: int
    batch: int
    web_workers: int
    keep_db: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            database_url=os.environ.get("LOADTEST_DATABASE_URL", "").strip() or DEFAULT_URL,
            seconds=_int("LOADTEST_SECONDS", 60, minimum=5),
            use_cases=_int("LOADTEST_USE_CASES", 1000),
            browsers=_int("LOADTEST_BROWSERS", 8, minimum=0),
            ingesters=_int("LOADTEST_INGESTERS", 2, minimum=0),
            batch=_int("LOADTEST_BATCH", 1000),
            web_workers=_int("LOADTEST_WEB_WORKERS", 2 * (os.cpu_count() or 2) + 1),
            keep_db=os.environ.get("LOADTEST_KEEP_DB", "") in {"1", "true", "yes"},
        )


_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


class Stopped(Exception):
    """SIGTERM or SIGINT: unwind, so that every process started is stopped."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


class Processes:
    """The processes this run started, each in its own process group, stopped in reverse order
    by their own pids (TERM, then KILL after ``grace`` seconds)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 (fixed commands, this venv's programs)
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.started.append((name, process))
        return process

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        for name, process in self.started:
            if process.poll() is not None:
                raise BenchError(
                    f"{name} exited with code {process.returncode}:\n{self.log_tail(name)}"
                )

    def stop_all(self, grace: float = 10.0) -> None:
        for name, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)  # its own group: it and its children
                    process.wait(timeout=grace)
            say(f"stopped {name}")
        self.started.clear()


def wait_for(
    what: str, ready: Callable[[], bool], processes: Processes, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            if ready():
                return
        except Exception:  # noqa: S110 (not up yet: asked again)
            pass
        time.sleep(0.3)
    raise BenchError(f"{what} was not ready within {timeout:.0f} s")


def seed(config: Config) -> dict[str, object]:
    """One organization with the use cases, targets and roll-ups, a token and sessions; the
    plan the locustfile reads."""
    from django.conf import settings
    from django.urls import reverse

    from bench import pages, seed
    from metrics.services.tokens import api_token_create

    tenant = seed.tenant_create("load", "Load test", use_cases=config.use_cases)
    metrics = seed.metric_ids(list(seed.TARGETS))
    rollups = seed.targets_and_rollups_create(tenant.use_case_ids, metrics=metrics)
    say(f"seeded {config.use_cases:,} use cases, {rollups:,} roll-ups")
    _, token = api_token_create(
        actor=tenant.admin, organization=tenant.organization, name="load sender"
    )
    org = tenant.organization.slug
    return {
        "pages": {
            "portfolio": reverse("portfolio_dashboard", kwargs={"org": org}),
            "use-case list": reverse("usecase_list", kwargs={"org": org}),
            "scorecards": reverse("scorecard_portfolio", kwargs={"org": org}),
            "home": reverse("org_home", kwargs={"org": org}),
            "search": reverse("org_search", kwargs={"org": org}),
            "ingest": "/api/v1/metrics/samples/",
        },
        "use_case_paths": [
            reverse("usecase_detail", kwargs={"org": org, "pk": pk})
            for pk in tenant.use_case_ids[:200]
        ],
        "use_case_ids": tenant.use_case_ids,
        "sessions": [pages.session_cookie(tenant.executive) for _ in range(SESSIONS)],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "token": token,
    }


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    rate: float
    p50: float
    p95: float
    p99: float


def read_stats(path: Path) -> list[Row]:
    rows = []
    with path.open() as handle:
        for line in csv.DictReader(handle):
            rows.append(
                Row(
                    name=line["Name"],
                    requests=int(line["Request Count"]),
                    failures=int(line["Failure Count"]),
                    rate=float(line["Requests/s"]),
                    p50=float(line["50%"] or 0),
                    p95=float(line["95%"] or 0),
                    p99=float(line["99%"] or 0),
                )
            )
    return rows


def report(rows: list[Row], *, batch: int, seconds: int, failures_csv: Path) -> str:
    lines = [
        f"{'page':<22}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    ]
    order = {name: i for i, name in enumerate([*PAGES, "ingest batch", "Aggregated"])}
    for row in sorted(rows, key=lambda r: order.get(r.name, 50)):
        lines.append(
            f"{row.name:<22}{row.requests:>10,}{row.rate:>9.1f}{row.p50:>9.0f}{row.p95:>9.0f}"
            f"{row.p99:>9.0f}{row.failures:>8,}"
        )
    ingest = next((r for r in rows if r.name == "ingest batch"), None)
    if ingest is not None:
        stored = (ingest.requests - ingest.failures) * batch
        lines.append(
            f"ingestion: {stored:,} samples in {ingest.requests - ingest.failures:,} batches of "
            f"{batch:,}: {stored / seconds:,.0f} samples/s over {seconds} s"
        )
    if failures_csv.exists():
        with failures_csv.open() as handle:
            for line in csv.DictReader(handle):
                lines.append(
                    f"error: {line['Name']}: {line['Error'][:160]} ({line['Occurrences']}x)"
                )
    return "\n".join(lines)


def roll_up_backlog() -> str:
    from metrics.selectors import rollup_backlog

    found = rollup_backlog()
    age = ""
    if found.oldest_marked_at is not None:
        from django.utils import timezone

        age = f", oldest waiting {(timezone.now() - found.oldest_marked_at).total_seconds():.0f} s"
    return f"roll-up backlog at the end: {found.pending:,} periods{age}"


@contextmanager
def own_redis(processes: Processes) -> Iterator[str]:
    override = os.environ.get("LOADTEST_REDIS_URL", "").strip()
    if override:
        yield override
        return
    if shutil.which("redis-server") is None:
        raise BenchError("redis-server is not installed (apt-get install redis-server).")
    port = free_port()
    processes.start(
        "redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(processes.logs)],
        dict(os.environ),
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"

    def answers() -> bool:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())

    wait_for("redis-server", answers, processes, timeout=15)
    yield url


def run(config: Config) -> str:
    target = database.target_from_url(
        config.database_url, marker="load", variable="LOADTEST_DATABASE_URL"
    )
    logs = Path(tempfile.mkdtemp(prefix="readiness-loadtest-"))
    processes = Processes(logs)
    # One line per audit record while seeding thousands of them would bury the figures.
    os.environ["AUDIT_LOG_LEVEL"] = "WARNING"
    say(f"recreating database {target.name}; logs in {logs}")
    database.recreate(target)
    try:
        with own_redis(processes) as redis_url:
            os.environ["REDIS_URL"] = redis_url
            env = database.setup_django(target)
            env.update(
                REDIS_URL=redis_url,
                BEAT_HEARTBEAT_FILE=str(logs / "beat-heartbeat"),
                PROMETHEUS_MULTIPROC_DIR=str(logs / "prometheus"),
                WORKER_METRICS_PORT="0",
                LOG_FORMAT="plain",
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                MEDIA_ROOT=str(logs / "uploads"),
            )
            (logs / "prometheus").mkdir()
            say("migrated; seeding (use_case_create for every use case: about a minute)")
            plan = seed(config)
            plan_path = logs / "plan.json"
            plan_path.write_text(json.dumps(plan))
            port = free_port()
            bin_dir = Path(sys.executable).parent
            processes.start(
                "gunicorn",
                [str(bin_dir / "gunicorn"), "-c", "config/gunicorn.py", "--bind",
                 f"127.0.0.1:{port}", "--workers", str(config.web_workers),
                 "config.wsgi:application"],
                env,
            )  # fmt: skip
            processes.start(
                "worker",
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING",
                 "--concurrency=2", "-n", f"load-{port}@localhost",
                 f"--pidfile={logs / 'worker.pid'}"],
                env,
            )  # fmt: skip
            processes.start(
                "beat",
                [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                 f"--pidfile={logs / 'beat.pid'}"],
                env,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"

            def web_ready() -> bool:
                import urllib.request

                with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:  # noqa: S310
                    return bool(response.status == 200)

            # /readyz: the database, migrations, the broker and a worker seen lately.
            wait_for("gunicorn and the worker (/readyz)", web_ready, processes, timeout=90)
            say(
                f"gunicorn ({config.web_workers} workers), a worker and beat are up; locust for "
                f"{config.seconds} s: {config.browsers} browsing, {config.ingesters} ingesting"
            )
            prefix = logs / "locust"
            locust = processes.start(
                "locust",
                [str(bin_dir / "locust"), "-f", str(BASE_DIR / "loadtest" / "locustfile.py"),
                 "--headless", "--users", str(config.browsers + config.ingesters),
                 "--spawn-rate", str(config.browsers + config.ingesters), "--run-time",
                 f"{config.seconds}s", "--host", base, "--csv", str(prefix), "--only-summary",
                 "--stop-timeout", "10"],
                {
                    **os.environ,
                    "LOADTEST_PLAN": str(plan_path),
                    "LOADTEST_BROWSERS": str(config.browsers),
                    "LOADTEST_INGESTERS": str(config.ingesters),
                    "LOADTEST_BATCH": str(config.batch),
                },
            )  # fmt: skip
            locust.wait(timeout=config.seconds + 120)
            stats = Path(f"{prefix}_stats.csv")
            if not stats.exists():
                raise BenchError(f"locust wrote no statistics:\n{processes.log_tail('locust')}")
            text = report(
                read_stats(stats),
                batch=config.batch,
                seconds=config.seconds,
                failures_csv=Path(f"{prefix}_failures.csv"),
            )
            text += "\n" + roll_up_backlog()
            return text
    finally:
        processes.stop_all()
        from django.db import connections

        connections.close_all()
        if config.keep_db:
            say(f"kept database {target.name} (LOADTEST_KEEP_DB)")
        else:
            database.drop(target)
            say(f"dropped database {target.name}")


def main() -> int:
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        config = Config.from_env()
        print(run(config), flush=True)
    except BenchError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 2
    except Stopped as exc:
        print(f"loadtest: stopped by {exc}; everything it started was stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
