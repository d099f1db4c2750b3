"""Smoke test of the benchmark package (``make bench``): its pure helpers only, no database,
no server. The benchmark itself runs with ``make bench``, never in ``make test``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from bench import database, ingest, pages, rollup, run, seed, server  # noqa: F401 (imports load)
from bench.report import INFO, MISS, PASS, Figure, format_number, format_table, percentile


@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.95, 0.99, 1.0])
def test_percentile_matches_linear_interpolation(q):
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0]
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q * 100)))


def test_percentile_of_one_value_and_bad_input():
    assert percentile([4.0], 0.99) == 4.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 1.5)


def test_verdicts():
    assert Figure("a", "rate", 200_000, limit=150_000, higher_is_better=True).verdict == PASS
    assert Figure("a", "rate", 100_000, limit=150_000, higher_is_better=True).verdict == MISS
    assert Figure("a", "p95", 120, limit=150).verdict == PASS
    assert Figure("a", "p95", 151, limit=150).verdict == MISS
    assert Figure("a", "info", 3.0).verdict == INFO
    assert Figure("a", "gone", None, limit=1).verdict == INFO


def test_format_number():
    assert format_number(187_123.4) == "187,123"
    assert format_number(11) == "11"
    assert format_number(96.94) == "96.9"
    assert format_number(0.2713) == "0.271"
    assert format_number(None) == "n/a"


def test_table_lines_up_and_names_missing_pages():
    figures = [
        Figure("ingestion", "API, 10,000-sample batches", 197_970.0, "samples/s", 150_000, True),
        Figure("ingestion", "API / raw COPY", 0.27, "ratio", 0.30, True),
        Figure("page dashboard", "median, p95, queries", None, note="not available: x"),
    ]
    table = format_table(figures).splitlines()
    assert table[0].startswith("figure")
    assert "197,970" in table[2] and ">= 150,000" in table[2] and "PASS" in table[2]
    assert "MISS" in table[3]
    assert table[4] == ""  # a blank line between sections
    assert "not available" in table[5]
    # The value column is right-aligned: every value ends in the same column.
    header_value_end = table[0].index("value") + len("value")
    assert table[2].index("197,970") + len("197,970") == header_value_end


def test_database_url_must_name_a_bench_database():
    target = database.target_from_url("postgresql://postgres@127.0.0.1:5432/readiness_bench")
    assert target.name == "readiness_bench"
    assert target.maintenance_url.endswith("/postgres")
    with pytest.raises(database.BenchError, match="must contain 'bench'"):
        database.target_from_url("postgresql://postgres@127.0.0.1:5432/readiness")
    with pytest.raises(database.BenchError, match="postgresql://"):
        database.target_from_url("sqlite:///bench.sqlite3")


def test_app_environment_turns_debug_off_and_drops_the_broker(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DEBUG", "1")
    target = database.target_from_url(database.DEFAULT_URL)
    env = database.app_environment(target, "/tmp/static")
    assert env["DEBUG"] == "0"
    assert env["SECRET_KEY"]
    assert env["DATABASE_URL"] == database.DEFAULT_URL
    assert "REDIS_URL" not in env


def test_config_quick_and_bad_values(monkeypatch):
    monkeypatch.setenv("BENCH_QUICK", "1")
    monkeypatch.setenv("BENCH_ROLLUP_ROWS", "2_000_000")
    config = run.Config.from_env()
    assert config.quick and config.rollup_rows == 2_000_000
    assert config.page_use_cases == (10, 100)
    monkeypatch.setenv("BENCH_PAGE_USE_CASES", "1000,10")
    assert run.Config.from_env().page_use_cases == (10, 1000)
    monkeypatch.setenv("BENCH_WORKERS", "many")
    with pytest.raises(database.BenchError, match="BENCH_WORKERS must be a whole number"):
        run.Config.from_env()


def test_bench_batches_pass_the_apps_own_validation():
    """What the benchmark sends is what the app accepts: the same validator, no I/O."""
    from metrics.ingestion.validation import validate_samples

    plan = ingest.Plan(
        use_case_ids=[11, 12, 13],
        metrics={
            "latency_ms": (1, "measured"),
            "acceptance_rate": (5, "rate"),
            "throughput": (9, "count"),
        },
        token="rdy_x",
        start=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    batch = ingest.make_batch(plan, "t", 3, 300)
    assert batch == ingest.make_batch(plan, "t", 3, 300)  # deterministic
    checked = validate_samples(
        batch,
        use_case_ids=frozenset(plan.use_case_ids),
        allowed_use_case_ids=None,
        metrics=plan.metrics,
        now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    assert checked.errors == []
    assert len(checked.rows) == 300


def test_rollup_layout_keys():
    layout = rollup.Layout(
        use_case_ids=[1, 2],
        metrics={"a": (7, "measured")},
        rows=1000,
        first_day=dt.date(2026, 1, 1),
        days=3,
    )
    assert layout.last_day == dt.date(2026, 1, 3)
    assert len(layout.day_keys()) == 6
    assert layout.day_keys([layout.last_day]) == [
        (1, 7, "day", dt.date(2026, 1, 3)),
        (2, 7, "day", dt.date(2026, 1, 3)),
    ]


def test_missing_page_name_is_not_available():
    assert pages.resolve(pages.Page("no_such_page_name", "nothing"), "acme") is None
    assert pages.resolve(pages.Page("usecase_list", "use cases"), "acme") == "/o/acme/use-cases/"
