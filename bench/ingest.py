"""(a) Ingestion: samples per second through the API under gunicorn, next to a raw COPY.

The API run is what a production system does: POST a JSON batch with its Bearer token, over
real HTTP, to gunicorn; the app authenticates the token, checks the tenant and every row,
stores with idempotency on (the primary key on use case, metric and client id) and marks the
roll-up periods, in one audited transaction per batch. Bodies are encoded before the clock
starts (encoding is the sender's cost, not the app's); several client threads keep every
worker busy.

The raw baseline sends all the same rows by one binary COPY (psycopg2) from this process into a
bare table that has only a BRIN index on the timestamp: **one** COPY of every row of the run in
one transaction, the fastest a loader could go with no checks at all (no per-batch request,
commit, key, tenant or audit). Building the row tuples from the samples (parsing the
timestamps, looking up the metric ids) is inside its time.

Each timed run starts after a ``CHECKPOINT``: without it, the checkpoint that the API run's
writes set off sometimes overlapped the raw COPY and halved its rate (300,000 against 690,000
rows/s on the same machine), which decided the ratio more than either side did.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

from bench.database import BenchError, cursor
from bench.report import percentile, stopwatch

# The metrics a production system sends, in rotation: a measured value, a rate, a count.
METRICS = ("latency_ms", "acceptance_rate", "throughput")
RAW_TABLE = "bench_raw_sample"
# Stands for a background batch's number in its encoded body (Background).
NUMBER = b"@batch@"


@dataclass
class Plan:
    """Where the samples go: the organization's use cases, the metrics, and the API token."""

    use_case_ids: list[int]
    metrics: dict[str, tuple[int, str]]  # key: (id, kind)
    token: str
    start: dt.datetime  # samples are spread forward from here, in time order


@dataclass
class RunResult:
    samples: int
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.samples / self.seconds if self.seconds else 0.0

    def latency(self, q: float) -> float:
        return percentile(self.latencies, q)


def make_batch(plan: Plan, tag: str, number: int, size: int) -> list[dict[str, object]]:
    """Batch ``number`` of a run: ``size`` well-formed samples with unique client ids.

    Deterministic, so the raw baseline can rebuild exactly the rows the API stored.
    """
    samples: list[dict[str, object]] = []
    ucs = plan.use_case_ids
    base = plan.start + dt.timedelta(seconds=number)
    for i in range(size):
        key = METRICS[i % len(METRICS)]
        stamp = (base + dt.timedelta(microseconds=i * 97)).isoformat()
        sample: dict[str, object] = {
            "use_case": ucs[(i // len(METRICS)) % len(ucs)],
            "metric": key,
            "timestamp": stamp,
            "client_id": f"{tag}-{number}-{i}",
        }
        if key == "acceptance_rate":
            sample["numerator"] = 40 + i % 10
            sample["denominator"] = 50
        elif key == "throughput":
            sample["value"] = float(i % 40)
        else:
            sample["value"] = 200.0 + (i * 37) % 1800 + (i % 7) / 8
        samples.append(sample)
    return samples


class Sender:
    """One client's keep-alive HTTP connection, posting JSON batches with the token.

    ``http.client`` rather than ``requests``: the senders run on the same two cores as the
    server, so every bit of CPU they spend is taken from it, while a production sender spends
    it on its own machine. With ``http.client`` the three senders of the throughput run take
    about 0.07 of a core. The request is the same bytes on the wire either way.
    """

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the answer; reconnects once if the server closed the
        connection between requests."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request("POST", self.path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _stored(status: int, body: bytes) -> int | str:
    """The number of samples stored, or why the batch was not stored whole."""
    if status != 201:
        return f"HTTP {status} {body[:300].decode(errors='replace')}"
    return int(orjson.loads(body).get("stored", 0))


def _post_all(
    url: str, token: str, bodies: Sequence[bytes], sizes: Sequence[int], clients: int
) -> RunResult:
    """POST every body with ``clients`` threads; every batch must be stored whole (201)."""
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(bodies)):
        work.put(index)
    latencies: list[float] = []
    errors: list[str] = []
    stored = [0]
    lock = threading.Lock()

    def client() -> None:
        sender = Sender(url, token)
        try:
            while not errors:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    outcome = _stored(*sender.post(bodies[index]))
                except OSError as exc:
                    errors.append(f"batch {index}: {exc}")
                    return
                took = time.perf_counter() - started
                if outcome != sizes[index]:
                    errors.append(f"batch {index}: stored {outcome} of {sizes[index]}")
                    return
                with lock:
                    latencies.append(took)
                    stored[0] += sizes[index]
        finally:
            sender.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    with stopwatch() as elapsed:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise BenchError("Ingestion API refused a batch: " + "; ".join(errors[:3]))
    return RunResult(samples=stored[0], seconds=elapsed(), latencies=latencies)


def api_run(
    base_url: str, plan: Plan, *, tag: str, batches: int, size: int, clients: int
) -> RunResult:
    bodies = [orjson.dumps(make_batch(plan, tag, n, size)) for n in range(batches)]
    url = f"{base_url}/api/v1/metrics/samples/"
    return _post_all(url, plan.token, bodies, [size] * batches, clients)


def warm_up(base_url: str, plan: Plan, *, clients: int) -> None:
    """A few small batches so every worker has loaded the app and opened its connection."""
    api_run(base_url, plan, tag="warm", batches=clients * 3, size=10, clients=clients)


def checkpoint(dsn: str) -> None:
    """Write every dirty page out before a timed run, so that no run is timed while
    PostgreSQL flushes the one before it (a checkpoint that overlapped the raw COPY halved its
    rate in some runs and not in others)."""
    with cursor(dsn, autocommit=True) as cur:
        cur.execute("CHECKPOINT")


def raw_table_create(dsn: str) -> None:
    with cursor(dsn, autocommit=True) as cur:
        cur.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cur.execute(
            f"""
            CREATE TABLE {RAW_TABLE} (
                use_case_id bigint NOT NULL,
                metric_id bigint NOT NULL,
                client_id varchar(100) COLLATE "C" NOT NULL,
                ts timestamptz NOT NULL,
                value double precision,
                numerator bigint,
                denominator bigint
            )
            """
        )
        cur.execute(f"CREATE INDEX {RAW_TABLE}_ts_brin ON {RAW_TABLE} USING brin (ts)")


def raw_copy_run(dsn: str, plan: Plan, *, tag: str, batches: int, size: int) -> RunResult:
    """The same rows as :func:`api_run` with the same tag, by one binary COPY in one transaction.

    Building the samples is outside the clock (the API run encoded its bodies beforehand too);
    building the row tuples, encoding them in COPY's binary format (with the app's own
    encoder), the COPY and the commit are inside it.
    """
    from metrics.ingestion.rows import EPOCH
    from metrics.ingestion.storage import copy_payload

    metric_ids = {key: plan.metrics[key][0] for key in METRICS}
    fromiso = dt.datetime.fromisoformat
    one = dt.timedelta(microseconds=1)
    samples = [s for number in range(batches) for s in make_batch(plan, tag, number, size)]
    sql = (
        f"COPY {RAW_TABLE} (use_case_id, metric_id, client_id, ts, value, numerator, "
        "denominator) FROM STDIN (FORMAT BINARY)"
    )
    with cursor(dsn) as cur, stopwatch() as elapsed:
        rows = [
            (
                s["use_case"],
                metric_ids[s["metric"]],  # type: ignore[index]
                s["client_id"],
                (fromiso(s["timestamp"]) - EPOCH) // one,  # type: ignore[arg-type]
                s.get("value"),
                s.get("numerator"),
                s.get("denominator"),
            )
            for s in samples
        ]
        cur.copy_expert(sql, io.BytesIO(copy_payload(rows)))  # type: ignore[arg-type]
        cur.connection.commit()
    return RunResult(samples=len(rows), seconds=elapsed())


class Background:
    """Ingestion that runs while pages are timed: ``clients`` threads POSTing ``size``-sample
    batches through the API without pause, and one thread rolling the samples up every
    ``rollup_every`` seconds as the beat job would (the bench has no worker), which marks the
    use cases' stored readiness stale and judges it again (portfolio.stored).

    ``with Background(...) as bg:`` starts it; leaving stops it. ``bg.samples``, ``bg.rollups``
    and ``bg.errors`` say what it did."""

    def __init__(
        self,
        base_url: str,
        plan: Plan,
        *,
        clients: int = 2,
        size: int = 1_000,
        rollup_every: float = 1.0,
        tag: str = "bg",
    ) -> None:
        self.url = f"{base_url}/api/v1/metrics/samples/"
        self.plan, self.clients, self.size, self.every, self.tag = (
            plan,
            clients,
            size,
            rollup_every,
            tag,
        )
        self.stop = threading.Event()
        self.samples = 0
        self.rollups = 0
        self.errors: list[str] = []
        self._numbers = iter(range(10**9))
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        # One encoded batch whose client ids take each batch's number: building 1,000 samples
        # per batch would spend the server's cores on the sender's work.
        self._template = orjson.dumps(make_batch(plan, f"{tag}-{NUMBER.decode()}", 0, size))

    def _post(self) -> None:
        sender = Sender(self.url, self.plan.token)
        try:
            while not self.stop.is_set():
                with self._lock:
                    number = next(self._numbers)
                body = self._template.replace(NUMBER, str(number).encode())
                try:
                    outcome = _stored(*sender.post(body))
                except OSError as exc:
                    self.errors.append(str(exc))
                    return
                if isinstance(outcome, str):
                    self.errors.append(outcome)
                    return
                with self._lock:
                    self.samples += outcome
        finally:
            sender.close()

    def _roll_up(self) -> None:
        from django.db import connection

        from metrics.rollups import rollup_pending

        try:
            while not self.stop.wait(self.every):
                self.rollups += rollup_pending().written
        except Exception as exc:  # reported with the figures; the pages' timing goes on
            self.errors.append(f"roll-up: {exc.__class__.__name__}: {exc}")
        finally:
            connection.close()

    def __enter__(self) -> Background:
        self._threads = [
            threading.Thread(target=self._post, daemon=True) for _ in range(self.clients)
        ]
        self._threads.append(threading.Thread(target=self._roll_up, daemon=True))
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=300)
