"""What the load test's users do (locust). Run by ``python -m loadtest.run`` (``make loadtest``),
which seeds the database and writes the plan this file reads (``LOADTEST_PLAN``, JSON): the
organization's page paths, the use cases, a signed-in session per browsing user and an API
token. Nothing here imports Django: locust patches the process with gevent as it loads.

* ``Browsing`` (``LOADTEST_BROWSERS``, 8): an executive who opens, with no think time, the
  portfolio, the use-case list, one use case, the scorecards, the home page and a search.
* ``Ingesting`` (``LOADTEST_INGESTERS``, 2): a production system posting batches of
  ``LOADTEST_BATCH`` (1,000) samples with its Bearer token, every client id unique.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
from typing import Any

from locust import HttpUser, constant, task

BROWSING_PAGES = ("portfolio", "use-case list", "use case", "scorecards", "home", "search")
INGEST_NAME = "ingest batch"
METRICS = ("latency_ms", "acceptance_rate", "throughput")


def load_plan() -> dict[str, Any]:
    """The plan the runner wrote; an empty one when the file is not there (e.g. when a test
    only imports this module to read its task list)."""
    path = os.environ.get("LOADTEST_PLAN", "")
    if not path or not os.path.exists(path):
        return {"pages": {}, "use_case_paths": [], "sessions": [], "use_case_ids": []}
    with open(path) as handle:
        return dict(json.load(handle))


PLAN = load_plan()
_sessions = itertools.count()
_batches = itertools.count()


def make_batch(use_case_ids: list[int], number: int, size: int, start: dt.datetime) -> list[dict]:
    """``size`` well-formed samples (a measured value, a rate, a count, in rotation) with
    client ids unique to this batch, spread over the use cases."""
    base = start + dt.timedelta(seconds=number)
    samples: list[dict[str, Any]] = []
    for i in range(size):
        key = METRICS[i % len(METRICS)]
        sample: dict[str, Any] = {
            "use_case": use_case_ids[(number * 7 + i // len(METRICS)) % len(use_case_ids)],
            "metric": key,
            "timestamp": (base + dt.timedelta(microseconds=i * 97)).isoformat(),
            "client_id": f"load-{os.getpid()}-{number}-{i}",
        }
        if key == "acceptance_rate":
            sample["numerator"], sample["denominator"] = 40 + i % 10, 50
        elif key == "throughput":
            sample["value"] = float(i % 40)
        else:
            sample["value"] = 200.0 + (i * 37) % 1800 + (i % 7) / 8
        samples.append(sample)
    return samples


class Browsing(HttpUser):
    fixed_count = int(os.environ.get("LOADTEST_BROWSERS", "8"))
    wait_time = constant(0)

    def on_start(self) -> None:
        sessions = PLAN["sessions"]
        if sessions:
            cookie = PLAN.get("session_cookie", "sessionid")
            self.client.cookies.set(cookie, sessions[next(_sessions) % len(sessions)])

    def _get(self, name: str, path: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

    @task
    def portfolio(self) -> None:
        self._get("portfolio", PLAN["pages"]["portfolio"])

    @task
    def use_case_list(self) -> None:
        self._get("use-case list", PLAN["pages"]["use-case list"])

    @task
    def use_case(self) -> None:
        self._get("use case", random.choice(PLAN["use_case_paths"]))

    @task
    def scorecards(self) -> None:
        self._get("scorecards", PLAN["pages"]["scorecards"])

    @task
    def home(self) -> None:
        self._get("home", PLAN["pages"]["home"])

    @task
    def search(self) -> None:
        term = f"Use case {random.randint(1, 999):04d}"
        with self.client.get(
            PLAN["pages"]["search"], params={"q": term}, name="search", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")


class Ingesting(HttpUser):
    fixed_count = int(os.environ.get("LOADTEST_INGESTERS", "2"))
    wait_time = constant(0)

    def on_start(self) -> None:
        self.size = int(os.environ.get("LOADTEST_BATCH", "1000"))
        self.since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
        self.headers = {
            "Authorization": f"Bearer {PLAN.get('token', '')}",
            "Content-Type": "application/json",
        }

    @task
    def ingest(self) -> None:
        number = next(_batches)
        body = json.dumps(make_batch(PLAN["use_case_ids"], number, self.size, self.since))
        with self.client.post(
            PLAN["pages"]["ingest"],
            data=body,
            headers=self.headers,
            name=INGEST_NAME,
            catch_response=True,
        ) as r:
            if r.status_code not in (200, 201):
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
