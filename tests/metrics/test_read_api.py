"""The read API of roll-ups: every figure against NumPy on randomized data with late and
duplicate samples (part of them rolled up, the rest still marked), its scoping (sessions and
API tokens), its parameter checks and its OpenAPI documentation. The clock is frozen."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict

import numpy as np
import pytest
import time_machine
from rest_framework.test import APIClient

from metrics import rollups
from metrics.models import DirtyPeriod
from metrics.services import samples_ingest
from tests.factories import make_use_case
from tests.metrics.ingest_support import iso, make_token, metric
from tests.metrics.test_rollups_correctness import Z, close, wilson

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)  # a Wednesday
TODAY = T0.date()
URL = "/api/v1/metrics/rollups/"
KINDS = {"latency_ms": "measured", "throughput": "count", "acceptance_rate": "rate"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _get_all(client, **params):
    """Every row, page by page (small pages, so that paging is exercised too)."""
    rows, offset = [], 0
    while True:
        response = client.get(URL, {**params, "limit": 17, "offset": offset})
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        offset += 17
        if body["next"] is None:
            assert body["count"] == len(rows)
            return rows


def _expected(stored, period):
    """What every period should read, computed with NumPy from what was stored."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    days: dict[tuple, set] = defaultdict(set)
    for (key, _client_id), (when, sample) in stored.items():
        day = when.astimezone(dt.UTC).date()
        start = day if period == "day" else day - dt.timedelta(days=day.weekday())
        groups[(key, start)].append(sample)
        days[(key, start)].add(day)
    out = {}
    for (key, start), rows in groups.items():
        kind = KINDS[key]
        fig = {"count": len(rows), "days": len(days[(key, start)])}
        end = start + dt.timedelta(days=0 if period == "day" else 6)
        fig["partial"] = end >= TODAY
        if kind == "rate":
            s = float(sum(r["numerator"] for r in rows))
            n = float(sum(r["denominator"] for r in rows))
            low, high = wilson(s, n)
            fig.update(successes=s, trials=n, rate=s / n, ci_low=low, ci_high=high)
            fig.update(sample_size=n, sample_size_of="trials", interval_method="wilson")
            fig.update(dict.fromkeys(("sum", "min", "max", "mean", "std", "p50", "p95", "p99")))
        else:
            values = np.array([float(r["value"]) for r in rows])
            fig.update(
                sum=math.fsum(values),
                min=float(values.min()),
                max=float(values.max()),
                mean=float(values.mean()),
                successes=None,
                trials=None,
                rate=None,
            )
            if kind == "measured":
                p50, p95, p99 = np.percentile(values, [50, 95, 99], method="linear")
                std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
                fig.update(p50=float(p50), p95=float(p95), p99=float(p99), std=std)
                fig.update(sample_size=float(len(values)), sample_size_of="samples")
                if len(values) > 1:
                    half = Z * std / math.sqrt(len(values))
                    fig.update(
                        ci_low=fig["mean"] - half,
                        ci_high=fig["mean"] + half,
                        interval_method="normal_mean",
                    )
                else:
                    fig.update(ci_low=None, ci_high=None, interval_method=None)
            else:
                fig.update(p50=None, p95=None, p99=None, std=None, ci_low=None, ci_high=None)
                fig.update(
                    sample_size=float(fig["days"]), sample_size_of="days", interval_method=None
                )
                totals: dict[dt.date, float] = defaultdict(float)
                for r in rows:
                    totals[_day_of(r)] += float(r["value"])
                if period == "week" and len(totals) > 1:
                    daily = np.array(list(totals.values()))
                    half = Z * float(daily.std(ddof=1)) / math.sqrt(len(daily))
                    fig.update(
                        ci_low=float(daily.mean()) - half,
                        ci_high=float(daily.mean()) + half,
                        interval_method="normal_daily_mean",
                    )
        out[(key, start.isoformat())] = fig
    return out


def _day_of(sample) -> dt.date:
    return dt.datetime.fromisoformat(sample["timestamp"].replace("Z", "+00:00")).date()


@pytest.mark.parametrize("seed", [5, 6])
def test_every_figure_of_the_read_api_equals_numpy(org, admin, pm, seed):
    rng = random.Random(seed)
    use_case = make_use_case(org, pm, name=f"Read API {seed}")
    other = make_use_case(org, pm, name=f"Read API other {seed}")  # noise that must not show
    stored: dict[tuple, tuple[dt.datetime, dict]] = {}
    sent: list[dict] = []
    counter = 0

    def sample(uc, key, when):
        nonlocal counter
        counter += 1
        base = {
            "use_case": uc.pk,
            "metric": key,
            "timestamp": iso(when),
            "client_id": f"c{counter}",
        }
        if KINDS[key] == "rate":
            trials = rng.randint(1, 60)
            base.update(numerator=rng.randint(0, trials), denominator=trials)
        elif KINDS[key] == "count":
            base["value"] = rng.randint(0, 40)
        else:
            base["value"] = rng.choice([rng.lognormvariate(6, 0.8), rng.uniform(0, 5), 250.0])
        return base, when

    def send(batch):
        samples_ingest(actor=admin, organization=org, samples=[s for s, _ in batch])
        for s, when in batch:
            if s["use_case"] == use_case.pk:
                stored[(s["metric"], s["client_id"])] = (when, s)
        sent.extend(s for s, _ in batch)

    # Three weeks of history up to now (today's partial day and week included), in batches,
    # with a bounded roll-up run between them that leaves some periods behind.
    for _round in range(3):
        batch = [
            sample(
                rng.choice([use_case, use_case, other]),
                rng.choice(list(KINDS)),
                T0 - dt.timedelta(minutes=rng.randint(1, 20 * 24 * 60)),
            )
            for _ in range(rng.randint(150, 250))
        ]
        send(batch)
        rollups.rollup_pending(limit=rng.randint(3, 20), max_batches=1)
    # Exact retries store nothing; late samples for old days arrive after the last roll-up.
    retried = samples_ingest(actor=admin, organization=org, samples=sent[:40])
    assert (retried.stored, retried.duplicates) == (0, 40)
    send(
        [
            sample(use_case, rng.choice(list(KINDS)), T0 - dt.timedelta(days=rng.randint(8, 19)))
            for _ in range(40)
        ]
    )
    assert DirtyPeriod.objects.filter(use_case=use_case).exists()  # figures behind samples

    client = APIClient()
    client.force_login(pm)
    first = TODAY - dt.timedelta(days=21)
    for period in ("day", "week"):
        rows = _get_all(client, use_case=use_case.pk, period=period, **{"from": first, "to": TODAY})
        got = {(r["metric"], r["period_start"]): r for r in rows}
        expected = _expected(stored, period)
        assert set(got) == set(expected)
        assert [(r["metric"], r["period_start"]) for r in rows] == sorted(got)
        mismatches = []
        for key, fig in expected.items():
            row = got[key]
            assert row["use_case"] == use_case.pk and row["kind"] == KINDS[key[0]]
            for name, value in fig.items():
                if isinstance(value, float) or row[name] is None or value is None:
                    ok = close(row[name], value)
                else:
                    ok = row[name] == value
                if not ok:
                    mismatches.append((period, key, name, row[name], value))
            assert row["computed_at"] is not None
        assert not mismatches, mismatches[:10]
    # A period still marked was computed on this read (the frozen moment).
    marked = DirtyPeriod.objects.filter(use_case=use_case, period="day").first()
    assert marked is not None
    rows = _get_all(client, use_case=use_case.pk, metric=_key(marked.metric_id))
    (row,) = [r for r in rows if r["period_start"] == marked.period_start.isoformat()]
    assert row["computed_at"] == T0.isoformat().replace("+00:00", "Z")


def _key(metric_id):
    return next(k for k in KINDS if metric(k).pk == metric_id)


def test_defaults_are_the_last_30_days_and_today_is_partial(org, admin, pm, use_case):
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "latency_ms",
                "timestamp": iso(T0 - dt.timedelta(days=d, minutes=5)),
                "value": 100.0 + d,
                "client_id": f"d{d}",
            }
            for d in (0, 1, 29, 30)
        ],
    )
    client = APIClient()
    client.force_login(pm)
    body = client.get(URL, {"use_case": use_case.pk}).json()
    starts = [(r["period_start"], r["partial"]) for r in body["results"]]
    assert starts == [
        ((TODAY - dt.timedelta(days=29)).isoformat(), False),
        ((TODAY - dt.timedelta(days=1)).isoformat(), False),
        (TODAY.isoformat(), True),
    ]
    week = client.get(URL, {"use_case": use_case.pk, "period": "week"}).json()["results"]
    assert week[-1]["period_start"] == "2026-03-02" and week[-1]["partial"] is True
    assert all(not r["partial"] for r in week[:-1])


# Scoping: sessions and tokens alike


def _seed(org, admin, use_case):
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "acceptance_rate",
                "timestamp": iso(T0 - dt.timedelta(hours=1)),
                "numerator": 8,
                "denominator": 10,
                "client_id": f"seed-{use_case.pk}",
            }
        ],
    )


def test_another_organizations_use_case_is_404_for_a_session(org, admin, viewer, other_org):
    _other, other_admin, other_uc = other_org
    _seed(_other, other_admin, other_uc)
    client = APIClient()
    client.force_login(viewer)
    response = client.get(URL, {"use_case": other_uc.pk})
    assert response.status_code == 404
    assert client.get(f"/api/v1/metrics/scorecards/{other_uc.pk}/").status_code == 404


def test_every_role_reads_its_organizations_figures(org, admin, use_case, role_member):
    _seed(org, admin, use_case)
    client = APIClient()
    client.force_login(role_member[1])
    rows = client.get(URL, {"use_case": use_case.pk}).json()["results"]
    assert [(r["metric"], r["trials"], r["sample_size_of"]) for r in rows] == [
        ("acceptance_rate", 10.0, "trials")
    ]


def test_an_api_token_reads_its_organizations_use_cases_only(org, admin, pm, use_case, other_org):
    _other, _other_admin, other_uc = other_org
    _seed(org, admin, use_case)
    _, token = make_token(org, admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = APIClient()
    ok = client.get(URL, {"use_case": use_case.pk}, **headers)
    assert ok.status_code == 200 and ok.json()["count"] == 1
    assert client.get(f"/api/v1/metrics/scorecards/{use_case.pk}/", **headers).status_code == 200
    assert client.get(URL, {"use_case": other_uc.pk}, **headers).status_code == 404
    assert client.get(f"/api/v1/metrics/scorecards/{other_uc.pk}/", **headers).status_code == 404
    # A token limited to another use case does not read this one.
    elsewhere = make_use_case(org, pm, name="Elsewhere")
    _, limited = make_token(org, admin, name="limited", use_cases=[elsewhere])
    limited_headers = {"HTTP_AUTHORIZATION": f"Bearer {limited}"}
    assert client.get(URL, {"use_case": use_case.pk}, **limited_headers).status_code == 404
    assert client.get(URL, {"use_case": elsewhere.pk}, **limited_headers).status_code == 200
    # Tokens still write nowhere else: the use case API refuses them.
    assert client.get("/api/v1/use-cases/", **headers).status_code in (401, 403)


def test_anonymous_is_refused(use_case):
    assert APIClient().get(URL, {"use_case": use_case.pk}).status_code in (401, 403)


# Parameters


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"metric": "no_such_metric"}, "metric"),
        ({"period": "month"}, "period"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "from"),  # 425 days > 366
        ({"period": "week", "from": "2023-01-02", "to": "2026-03-01"}, "from"),  # > 104 weeks
        ({"from": "03/01/2026"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"use_case": "abc"}, "use_case"),
        ({"use_case": None}, "use_case"),
        ({"limit": "501"}, "limit"),
    ],
)
def test_bad_parameters_answer_400_naming_them(pm, use_case, params, name):
    client = APIClient()
    client.force_login(pm)
    query = {"use_case": use_case.pk, **params}
    query = {k: v for k, v in query.items() if v is not None}
    response = client.get(URL, query)
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_the_longest_ranges_allowed_are_accepted(pm, use_case):
    client = APIClient()
    client.force_login(pm)
    day = client.get(URL, {"use_case": use_case.pk, "from": "2025-03-05", "to": "2026-03-05"})
    assert day.status_code == 200  # 366 days
    week = client.get(
        URL, {"use_case": use_case.pk, "period": "week", "from": "2024-03-11", "to": "2026-03-01"}
    )
    assert week.status_code == 200  # 104 weeks


def test_the_schema_documents_both_operations_with_examples():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    rollups_get = schema["paths"]["/api/v1/metrics/rollups/"]["get"]
    names = {p["name"]: p for p in rollups_get["parameters"]}
    assert {"use_case", "metric", "period", "from", "to", "limit", "offset"} <= set(names)
    assert names["use_case"]["required"] is True
    assert names["period"]["schema"]["enum"] == ["day", "week"]
    assert "366 days" in rollups_get["description"] and "104 weeks" in rollups_get["description"]
    examples = rollups_get["responses"]["200"]["content"]["application/json"]["examples"]
    rows = [example["value"]["results"][0] for example in examples.values()]
    assert [row["partial"] for row in rows] == [False, True]
    assert all(row["interval_method"] == "normal_mean" for row in rows)
    assert {"400", "403", "404"} <= set(rollups_get["responses"])
    card_get = schema["paths"]["/api/v1/metrics/scorecards/{use_case}/"]["get"]
    (card_example,) = card_get["responses"]["200"]["content"]["application/json"][
        "examples"
    ].values()
    assert card_example["value"]["statistic"] == "p95"
    security = {name for entry in card_get["security"] for name in entry}
    assert {"cookieAuth", "apiToken"} <= security


def _count_queries(client, use_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"use_case": use_case.pk, "limit": 500})
    assert response.status_code == 200
    return len(captured), response.json()["count"]


def test_the_list_runs_a_fixed_number_of_queries(org, admin, pm, use_case):
    client = APIClient()
    client.force_login(pm)
    _seed(org, admin, use_case)
    rollups.rollup_pending()
    few, rows = _count_queries(client, use_case)
    assert rows == 1
    samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": key,
                "timestamp": iso(T0 - dt.timedelta(days=d, hours=2)),
                "value": 5.0 + d,
                "client_id": f"many-{key}-{d}",
            }
            for key in ("latency_ms", "throughput", "cycle_time_h")
            for d in range(30)
        ],
    )
    rollups.rollup_pending()
    many, rows = _count_queries(client, use_case)
    assert rows == 91 and many == few

    # Periods behind their samples cost one recompute (in a savepoint), not one each.
    def late(days):
        samples_ingest(
            actor=admin,
            organization=org,
            samples=[
                {
                    "use_case": use_case.pk,
                    "metric": "latency_ms",
                    "timestamp": iso(T0 - dt.timedelta(days=d, hours=3)),
                    "value": 1.0,
                    "client_id": f"late-{d}",
                }
                for d in days
            ],
        )

    late([0])
    one_behind, _ = _count_queries(client, use_case)
    late(range(1, 20))
    twenty_behind, rows = _count_queries(client, use_case)
    assert rows == 91 and one_behind == twenty_behind > many
