"""Smoke test of the load test (``make loadtest``): the locustfile loads and has the users and
tasks the issue asks for; the runner's pure parts work. No network, no database, no server.

The locustfile is imported in a child process: importing locust patches the whole process with
gevent, which must not happen to the test process. Skipped where locust is not installed (it is
a dev dependency: ``make install`` installs it)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest import run

ROOT = Path(__file__).resolve().parent.parent

INSPECT = """
import json, os
os.environ.pop("LOADTEST_PLAN", None)
from loadtest import locustfile as f
def names(cls):
    return sorted(t.__name__ for t in cls.tasks)
batch = f.make_batch([11, 12, 13], 4, 1000, __import__("datetime").datetime(2026, 11, 2))
print(json.dumps({
    "browsing": names(f.Browsing), "browsing_count": f.Browsing.fixed_count,
    "browsing_wait": f.Browsing.wait_time(f.Browsing.__new__(f.Browsing)),
    "ingesting": names(f.Ingesting), "ingesting_count": f.Ingesting.fixed_count,
    "batch": len(batch), "ids": len({s["client_id"] for s in batch}),
    "metrics": sorted({s["metric"] for s in batch}),
    "use_cases": sorted({s["use_case"] for s in batch}),
}))
"""


def test_the_locustfile_has_8_browsing_users_and_2_ingesting_clients():
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed: `make install` installs the dev dependencies")
    found = subprocess.run(
        [sys.executable, "-c", INSPECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tasks = json.loads(found.stdout.strip().splitlines()[-1])
    assert tasks["browsing"] == sorted(
        ["portfolio", "use_case_list", "use_case", "scorecards", "home", "search"]
    )
    assert (tasks["browsing_count"], tasks["browsing_wait"]) == (8, 0)
    assert (tasks["ingesting"], tasks["ingesting_count"]) == (["ingest"], 2)
    assert tasks["batch"] == tasks["ids"] == 1000  # every client id unique
    assert tasks["metrics"] == ["acceptance_rate", "latency_ms", "throughput"]
    assert tasks["use_cases"] == [11, 12, 13]


def test_the_report_prints_each_page_errors_and_the_ingestion_rate(tmp_path):
    stats = tmp_path / "stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"
        "GET,portfolio,100,0,10.0,120,240,300\n"
        "POST,ingest batch,60,2,1.0,800,1200,1500\n"
        ",Aggregated,160,2,11.0,150,900,1400\n"
    )
    failures = tmp_path / "failures.csv"
    failures.write_text("Method,Name,Error,Occurrences\nPOST,ingest batch,HTTP 503,2\n")
    text = run.report(run.read_stats(stats), batch=1000, seconds=60, failures_csv=failures)
    lines = text.splitlines()
    assert lines[1].split() == ["portfolio", "100", "10.0", "120", "240", "300", "0"]
    assert "58,000 samples in 58 batches of 1,000: 967 samples/s over 60 s" in text
    assert "error: ingest batch: HTTP 503 (2x)" in text


def test_the_database_must_be_a_throwaway_one(monkeypatch):
    monkeypatch.setenv("LOADTEST_SECONDS", "2")
    with pytest.raises(run.BenchError, match="LOADTEST_SECONDS must be at least 5"):
        run.Config.from_env()
    monkeypatch.delenv("LOADTEST_SECONDS")
    assert run.Config.from_env().database_url.endswith("/readiness_load")
    with pytest.raises(run.BenchError, match="must contain 'load'"):
        run.database.target_from_url(
            "postgresql://postgres@127.0.0.1:5432/readiness", marker="load"
        )
