"""Roll-ups and targets written straight to the database, for the scorecard tests (no
ingestion, no job: the figures are exactly what each test says)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone

from metrics import scorecards, selectors
from metrics.models import MetricTarget, Rollup
from tests.factories import make_use_case
from tests.metrics.ingest_support import metric


def week(weeks_back: int = 0) -> dt.date:
    return scorecards.last_complete_week(selectors.today_utc()) - dt.timedelta(weeks=weeks_back)


def rollup(use_case, key, start, *, period="week", **figures):
    return Rollup.objects.create(
        use_case=use_case,
        metric=metric(key),
        period=period,
        period_start=start,
        computed_at=timezone.now(),
        **figures,
    )


def target(use_case, key, target=None, warning=None, baseline=None):
    return MetricTarget.objects.create(
        use_case=use_case, metric=metric(key), target=target, warning=warning, baseline=baseline
    )


def rate(use_case, key, start, r, trials=400, period="week"):
    return rollup(
        use_case,
        key,
        start,
        period=period,
        count=trials // 10,
        successes=r * trials,
        trials=trials,
        rate=r,
        ci_low=r - 0.02,
        ci_high=r + 0.02,
    )


def measured(use_case, key, start, p50, count=100, period="week"):
    return rollup(
        use_case, key, start, period=period, count=count, sum=p50 * count, mean=p50, p50=p50
    )


def page_url(org):
    return reverse("scorecard_portfolio", kwargs={"org": org.slug})


def card_url(use_case):
    return reverse(
        "scorecard_use_case", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )


def export_url(use_case, fmt):
    return reverse(
        "scorecard_use_case_export",
        kwargs={"org": use_case.organization.slug, "pk": use_case.pk, "fmt": fmt},
    )


def read_csv(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def with_data(org, pm, n):
    """``n`` use cases with two targets and a week of figures each."""
    for i in range(n):
        uc = make_use_case(org, pm, name=f"Use case {i:03d}", team=f"Team {i % 4}")
        target(uc, "acceptance_rate", 0.75, 0.65)
        target(uc, "cycle_time_h", 8, 12, 30)
        rate(uc, "acceptance_rate", week(), 0.7 + i / 1000)
        measured(uc, "cycle_time_h", week(), 7.0)
