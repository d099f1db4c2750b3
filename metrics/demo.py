"""Demo metrics: 90 days of samples for every demo use case, sent through the same ingestion
service as the API, then rolled up, so scorecards and charts show real trends.

The story the numbers tell: each use case improves after its start date (day 1 of its plan) and
settles at its own level. Decision-support preparation meets every target; claims triage
misses its acceptance-rate target (its production gate is refused on it); the IT copilot's
latency is at risk; documentation support edits too much; contract clause review sends so few
quality samples that its scorecard says there is not enough data.

Idempotent: every sample's client id is made of the use case, metric, date and slot, so a
second run stores nothing twice; targets are only set where none exist.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from metrics import rollups, services
from metrics.defaults import CATALOG
from metrics.models import MetricDefinition, MetricTarget
from readiness.models import Organization, Role, UseCase, User

DAYS = 90
BATCH = 10_000

# Per metric: target, warning, baseline (before the AI), and the level a use case reaches.
DEFAULT_TARGETS: dict[str, tuple[float | None, float | None, float | None]] = {
    "latency_ms": (2500.0, 4000.0, None),
    "error_rate": (0.02, 0.04, None),
    "availability": (0.995, 0.99, None),
    "token_cost": (0.06, 0.09, None),
    "acceptance_rate": (0.75, 0.65, None),
    "edit_rate": (0.25, 0.35, None),
    "escalation_rate": (0.10, 0.15, 0.18),
    "cycle_time_h": (8.0, 12.0, 30.0),
    "throughput": (160.0, 130.0, 100.0),
    "response_time_h": (2.0, 4.0, 9.0),
    "case_capacity": (18.0, 14.0, 11.0),
}

# Where each use case settles (after its ramp-up); the pilot starts at STARTING levels.
STARTING = {
    "latency_ms": 3800.0,
    "error_rate": 0.06,
    "availability": 0.985,
    "token_cost": 0.09,
    "acceptance_rate": 0.50,
    "edit_rate": 0.45,
    "escalation_rate": 0.20,
    "cycle_time_h": 28.0,
    "throughput": 100.0,
    "response_time_h": 9.0,
    "case_capacity": 11.0,
}
ON_TARGET = {
    "latency_ms": 1300.0,
    "error_rate": 0.008,
    "availability": 0.999,
    "token_cost": 0.035,
    "acceptance_rate": 0.84,
    "edit_rate": 0.16,
    "escalation_rate": 0.06,
    "cycle_time_h": 5.5,
    "throughput": 190.0,
    "response_time_h": 1.4,
    "case_capacity": 22.0,
}
PROFILES: dict[str, dict[str, Any]] = {
    "Decision-support preparation": {"levels": {}, "volume": 1.0},
    "Claims triage assistance": {
        "levels": {"acceptance_rate": 0.68, "edit_rate": 0.22, "cycle_time_h": 7.0},
        "volume": 1.5,
    },
    "Internal IT copilot": {"levels": {"latency_ms": 2500.0, "throughput": 150.0}, "volume": 1.2},
    "Documentation support": {
        "levels": {"edit_rate": 0.38, "acceptance_rate": 0.78, "token_cost": 0.07},
        "volume": 0.8,
    },
    "Contract clause review": {
        "levels": {"escalation_rate": 0.14, "acceptance_rate": 0.7},
        "volume": 0.05,  # a handful of quality samples a day: not enough data to judge
    },
}


def ensure_catalog() -> dict[str, MetricDefinition]:
    """The built-in metrics by key, recreating any that are missing (migration 0002 loads
    them; a test database flushed between tests has lost them)."""
    metrics = {m.key: m for m in MetricDefinition.objects.filter(organization__isnull=True)}
    for row in CATALOG:
        if row["key"] not in metrics:
            metrics[row["key"]] = MetricDefinition.objects.create(organization=None, **row)
    return metrics


def seed(*, organization: Organization, users: dict[Role, User], stdout: Any = None) -> None:
    """Targets and 90 days of samples for every use case of the demo organization."""
    admin = users[Role.ORG_ADMIN]
    metrics = ensure_catalog()
    use_cases = list(UseCase.objects.filter(organization=organization).order_by("pk"))
    now = timezone.now()
    stored = 0
    for use_case in use_cases:
        _targets(admin, use_case, metrics)
        batch: list[dict[str, Any]] = []
        for sample in _samples(use_case, now):
            batch.append(sample)
            if len(batch) >= BATCH:
                stored += _send(admin, organization, batch)
                batch = []
        if batch:
            stored += _send(admin, organization, batch)
    result = rollups.rollup_pending(use_case_ids=[uc.pk for uc in use_cases])
    if stdout is not None:
        stdout.write(
            f"Metrics: {stored:,} sample(s) stored, {result.written:,} roll-up(s) written."
        )


def _send(actor: User, organization: Organization, batch: list[dict[str, Any]]) -> int:
    return services.samples_ingest(actor=actor, organization=organization, samples=batch).stored


def _targets(actor: User, use_case: UseCase, metrics: dict[str, MetricDefinition]) -> None:
    existing = set(
        MetricTarget.objects.filter(use_case=use_case).values_list("metric__key", flat=True)
    )
    for key, (target, warning, baseline) in DEFAULT_TARGETS.items():
        if key in existing or key not in metrics:
            continue
        services.metric_target_set(
            actor=actor,
            use_case=use_case,
            metric=metrics[key],
            target=target,
            warning=warning,
            baseline=baseline,
        )


def _level(key: str, profile: dict[str, Any], progress: float) -> float:
    start = STARTING[key]
    end = profile["levels"].get(key, ON_TARGET[key])
    return start + (end - start) * progress


def _samples(use_case: UseCase, now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Samples of the last 90 UTC days, nothing in the future."""
    profile = PROFILES.get(use_case.name, {"levels": {}, "volume": 1.0})
    volume = float(profile["volume"])
    rng = random.Random(f"demo-metrics-{use_case.name}")
    today = now.astimezone(dt.UTC).date()
    for offset in range(DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        # 0 before the use case started; then up to 1 over its first 45 days.
        progress = min(1.0, max(0.0, (day - use_case.start_date).days / 45))
        weekday_load = 0.6 if day.weekday() >= 5 else 1.0
        for hour in range(24):
            when = dt.datetime.combine(day, dt.time(hour, 30), tzinfo=dt.UTC)
            if when > now:
                return
            stamp = when.isoformat().replace("+00:00", "Z")
            base = f"demo-{use_case.pk}-{day.isoformat()}-{hour:02d}"
            busy = 0.4 + 0.6 * math.sin(math.pi * max(0, hour - 6) / 14) if 6 <= hour <= 20 else 0.2
            requests = max(1, round(40 * volume * weekday_load * busy * rng.uniform(0.8, 1.2)))
            # System: per-request latency and cost (a few per hour), hourly error and probe counts.
            for i in range(2):
                median = _level("latency_ms", profile, progress)
                yield _value(
                    use_case,
                    "latency_ms",
                    stamp,
                    rng.lognormvariate(math.log(median), 0.45),
                    f"{base}-{i}",
                )
            yield _value(
                use_case,
                "token_cost",
                stamp,
                max(0.001, rng.gauss(_level("token_cost", profile, progress), 0.01)),
                base,
            )
            yield _rate(
                use_case,
                "error_rate",
                stamp,
                rng,
                _level("error_rate", profile, progress),
                requests,
                base,
            )
            yield _rate(
                use_case,
                "availability",
                stamp,
                rng,
                _level("availability", profile, progress),
                60,
                base,
            )
            # Quality: hourly counts of outputs accepted, edited, escalated.
            shown = max(1, round(requests * 0.8)) if volume >= 0.5 else (1 if hour % 8 == 0 else 0)
            if shown:
                for key in ("acceptance_rate", "edit_rate", "escalation_rate"):
                    yield _rate(
                        use_case, key, stamp, rng, _level(key, profile, progress), shown, base
                    )
            # Business: completed cases per hour; case times twice a day.
            per_hour = (
                _level("throughput", profile, progress) / 24 * weekday_load * rng.uniform(0.7, 1.3)
            )
            yield _value(use_case, "throughput", stamp, float(max(0, round(per_hour))), base)
            if hour in (9, 15):
                for key in ("cycle_time_h", "response_time_h"):
                    level = _level(key, profile, progress)
                    for i in range(3):
                        yield _value(
                            use_case,
                            key,
                            stamp,
                            max(0.1, rng.gauss(level, level * 0.25)),
                            f"{base}-{i}",
                        )
            if hour == 17:
                level = _level("case_capacity", profile, progress)
                for i in range(4):
                    yield _value(
                        use_case,
                        "case_capacity",
                        stamp,
                        max(1.0, rng.gauss(level, 2.0)),
                        f"{base}-{i}",
                    )


def _value(use_case: UseCase, key: str, stamp: str, value: float, cid: str) -> dict[str, Any]:
    return {
        "use_case": use_case.pk,
        "metric": key,
        "timestamp": stamp,
        "value": round(value, 4),
        "client_id": f"{cid}-{key}",
    }


def _rate(
    use_case: UseCase, key: str, stamp: str, rng: random.Random, p: float, trials: int, cid: str
) -> dict[str, Any]:
    successes = sum(1 for _ in range(trials) if rng.random() < p)
    return {
        "use_case": use_case.pk,
        "metric": key,
        "timestamp": stamp,
        "numerator": successes,
        "denominator": trials,
        "client_id": f"{cid}-{key}",
    }
