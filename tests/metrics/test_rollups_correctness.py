"""Every roll-up figure against an independent computation (NumPy, ``statistics``), on
randomized data with late samples, repeated client ids and incremental runs in between.

Runs on whichever database the suite runs on: SQLite computes in Python, PostgreSQL in one SQL
statement per batch; both must agree with NumPy. Percentiles are exact (linear interpolation,
``percentile_cont``); the only tolerance is floating-point rounding.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
from collections import defaultdict

import numpy as np
import pytest
from django.utils import timezone

from metrics import rollups
from metrics.ingestion.validation import BatchRefused
from metrics.models import Rollup
from metrics.services import samples_ingest
from tests.factories import make_use_case
from tests.metrics.ingest_support import iso, metric

pytestmark = pytest.mark.django_db

Z = statistics.NormalDist().inv_cdf(0.975)
REL = 1e-9


def wilson(successes: float, trials: float) -> tuple[float, float]:
    """The Wilson score interval, written out again from the textbook formula."""
    p = successes / trials
    centre = p + Z**2 / (2 * trials)
    spread = Z * math.sqrt(p * (1 - p) / trials + Z**2 / (4 * trials**2))
    scale = 1 + Z**2 / trials
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


class Model:
    """What the database should hold: the first sample stored under each key."""

    def __init__(self):
        self.samples: dict[tuple[int, int, str], tuple[dt.datetime, dict]] = {}

    def add(self, use_case_id, metric_id, client_id, when, sample):
        self.samples.setdefault((use_case_id, metric_id, client_id), (when, sample))

    def expected(self, kinds):
        groups: dict[tuple, list[dict]] = defaultdict(list)
        days: dict[tuple, set[dt.date]] = defaultdict(set)
        for (uc, m, _), (when, sample) in self.samples.items():
            day = when.astimezone(dt.UTC).date()
            groups[(uc, m, "day", day)].append(sample)
            monday = day - dt.timedelta(days=day.isoweekday() - 1)
            groups[(uc, m, "week", monday)].append(sample)
            days[(uc, m, "day", day)].add(day)
            days[(uc, m, "week", monday)].add(day)
        out = {}
        for key, rows in groups.items():
            kind = kinds[key[1]]
            fig = dict.fromkeys(
                (
                    "sum",
                    "min",
                    "max",
                    "mean",
                    "p50",
                    "p95",
                    "p99",
                    "successes",
                    "trials",
                    "rate",
                    "ci_low",
                    "ci_high",
                )
            )
            fig["count"] = len(rows)
            fig["days"] = len(days[key])
            if kind == "rate":
                s = float(sum(r["numerator"] for r in rows))
                n = float(sum(r["denominator"] for r in rows))
                fig.update(successes=s, trials=n)
                if n:
                    fig["rate"] = s / n
                    fig["ci_low"], fig["ci_high"] = wilson(s, n)
            else:
                values = np.array([float(r["value"]) for r in rows])
                fig.update(
                    sum=math.fsum(values),
                    min=float(values.min()),
                    max=float(values.max()),
                    mean=statistics.fmean(values),
                )
                if kind == "measured":
                    p50, p95, p99 = np.percentile(values, [50, 95, 99], method="linear")
                    fig.update(p50=float(p50), p95=float(p95), p99=float(p99))
            out[key] = fig
        return out


def _compare(model, kinds):
    expected = model.expected(kinds)
    actual = {
        (r.use_case_id, r.metric_id, r.period, r.period_start): r for r in Rollup.objects.all()
    }
    assert set(actual) == set(expected)
    mismatches = []
    for key, fig in expected.items():
        rollup = actual[key]
        for name, value in fig.items():
            if not close(getattr(rollup, name), value):
                mismatches.append((key, name, getattr(rollup, name), value))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_matches_an_independent_computation(org, admin, pm, seed):
    rng = random.Random(seed)
    use_cases = [make_use_case(org, pm, name=f"Correctness {seed}-{i}") for i in range(2)]
    keys = {"latency_ms": "measured", "throughput": "count", "acceptance_rate": "rate"}
    metrics = {key: metric(key) for key in keys}
    kinds = {metrics[k].pk: kind for k, kind in keys.items()}
    now = timezone.now().replace(microsecond=0)
    model = Model()
    sent: list[tuple[tuple, dict]] = []

    def sample(uc, key, when, client_id):
        base = {"use_case": uc.pk, "metric": key, "timestamp": iso(when), "client_id": client_id}
        if keys[key] == "rate":
            trials = rng.randint(1, 60)  # a rate needs a trial (0 is refused at the door)
            base.update(numerator=rng.randint(0, trials), denominator=trials)
        elif keys[key] == "count":
            base["value"] = rng.randint(0, 40)
        else:
            base["value"] = rng.choice([rng.lognormvariate(6, 0.8), rng.uniform(0, 5), 250.0])
        return (uc.pk, metrics[key].pk, client_id), base, when

    def send(batch):
        samples_ingest(actor=admin, organization=org, samples=[s for _, s, _ in batch])
        for key, s, when in batch:
            model.add(*key, when, s)
        sent.extend((k, s) for k, s, _ in batch)

    # Two weeks of history, in several batches, rolled up between them.
    counter = 0
    for _round in range(3):
        batch = []
        for _ in range(rng.randint(150, 300)):
            uc = rng.choice(use_cases)
            key = rng.choice(list(keys))
            when = now - dt.timedelta(minutes=rng.randint(10, 14 * 24 * 60))
            counter += 1
            batch.append(sample(uc, key, when, f"c{counter}"))
        send(batch)
        rollups.rollup_pending(limit=rng.randint(3, 40))
    _compare(model, kinds)

    # Late samples for old days; retries of earlier samples with other values are refused
    # (they are not corrections), and exact retries are skipped.
    late = []
    for _ in range(60):
        counter += 1
        when = now - dt.timedelta(days=rng.randint(8, 13), minutes=rng.randint(0, 1000))
        late.append(sample(rng.choice(use_cases), rng.choice(list(keys)), when, f"late{counter}"))
    retried = []
    for k, s in rng.sample(sent, 40):
        changed = dict(s)
        if "value" in changed:
            changed["value"] = 123456.0
        retried.append((k, changed, None))
    with pytest.raises(BatchRefused) as refused:
        samples_ingest(actor=admin, organization=org, samples=[s for _, s, _ in retried])
    assert refused.value.status == 409
    assert {e["field"] for e in refused.value.errors} == {"client_id"}
    exact = samples_ingest(actor=admin, organization=org, samples=[s for _, s in sent[:30]])
    assert (exact.stored, exact.duplicates) == (0, 30)
    send(late)
    before = {r.pk: r.computed_at for r in Rollup.objects.all()}
    result = rollups.rollup_pending(limit=25)
    assert result.claimed > 0
    _compare(model, kinds)

    # Periods the late samples did not touch were not rewritten.
    touched_days = {(k[0], k[1], w.astimezone(dt.UTC).date()) for k, _, w in late}
    for r in Rollup.objects.filter(period="day"):
        if (r.use_case_id, r.metric_id, r.period_start) not in touched_days and r.pk in before:
            assert r.computed_at == before[r.pk]

    # Running again changes nothing; a full recompute rewrites nothing either.
    assert rollups.rollup_pending().claimed == 0
    snapshot = {r.pk: (r.computed_at, r.count, r.p95, r.rate) for r in Rollup.objects.all()}
    rollups.mark_from_samples([uc.pk for uc in use_cases])
    assert rollups.rollup_pending().written == 0
    assert {r.pk: (r.computed_at, r.count, r.p95, r.rate) for r in Rollup.objects.all()} == snapshot
    _compare(model, kinds)
