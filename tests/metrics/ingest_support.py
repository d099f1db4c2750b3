"""Helpers shared by the metrics ingestion, token, roll-up and gate tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import orjson
from django.utils import timezone

from metrics import services
from metrics.models import MetricDefinition

URL = "/api/v1/metrics/samples/"


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def ago(**delta: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def make_token(org: Any, admin: Any, name: str = "svc", use_cases: Any = ()) -> tuple[Any, str]:
    return services.api_token_create(
        actor=admin, organization=org, name=name, use_case_ids=[uc.pk for uc in use_cases]
    )


def post(client: Any, token: str | None, body: Any, *, raw: bool = False) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if raw else orjson.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def fresh_id() -> str:
    """A client id no other sample of the test run has (every API sample needs one)."""
    return f"auto-{next(_IDS)}"


_IDS = itertools.count(1)


def measured(
    use_case: Any, *, metric: str = "latency_ms", value: Any = 120.0, **extra: Any
) -> dict:
    sample = {
        "use_case": use_case.pk,
        "metric": metric,
        "timestamp": iso(ago(minutes=5)),
        "value": value,
        "client_id": fresh_id(),
    }
    sample.update(extra)
    return sample


def rate(
    use_case: Any, *, metric: str = "acceptance_rate", num: Any = 8, den: Any = 10, **extra: Any
) -> dict:
    sample = {
        "use_case": use_case.pk,
        "metric": metric,
        "timestamp": iso(ago(minutes=5)),
        "numerator": num,
        "denominator": den,
        "client_id": fresh_id(),
    }
    sample.update(extra)
    return sample


def metric(key: str) -> MetricDefinition:
    return MetricDefinition.objects.get(organization__isnull=True, key=key)


def send_rates(
    admin: Any, org: Any, use_case: Any, *, days: Any, successes: int, trials: int, tag: str = "r"
) -> None:
    """One acceptance-rate sample at 09:00 UTC of each day, through the ingestion service."""
    services.samples_ingest(
        actor=admin,
        organization=org,
        samples=[
            {
                "use_case": use_case.pk,
                "metric": "acceptance_rate",
                "timestamp": iso(dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)),
                "numerator": successes,
                "denominator": trials,
                "client_id": f"{tag}-{day}",
            }
            for day in days
        ],
    )
