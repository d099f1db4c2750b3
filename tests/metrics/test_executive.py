"""What metrics tells the executive pages (metrics.selectors.executive, read by the portfolio
app): level statuses in constant queries, and the scale answers built on them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics import selectors
from portfolio.answers import metrics as metrics_answers
from tests.factories import make_use_case
from tests.metrics.scorecard_support import card_url, rollup, week, with_data

pytestmark = pytest.mark.django_db


def test_level_statuses_in_constant_queries(org, pm, scored, django_assert_num_queries):
    from readiness.models import UseCase

    statuses = selectors.level_statuses_many([scored])
    assert statuses[scored.pk] == {
        "system": "on_target",
        "quality": "at_risk",
        "business": "on_target",
    }
    assert statuses[scored.pk]["quality"].label == "At risk"
    with_data(org, pm, 3)
    few = list(UseCase.objects.filter(organization=org)[:2])
    many = list(UseCase.objects.filter(organization=org))
    with CaptureQueriesContext(connection) as a:
        selectors.level_statuses_many(few)
    with django_assert_num_queries(len(a.captured_queries)):
        found = selectors.level_statuses_many(many)
    assert set(found) == {uc.pk for uc in many}


def _answers(use_case):
    """The executive app's metrics answers for one use case (portfolio.answers.metrics)."""
    return {a.question: a for a in metrics_answers.answers_many([use_case])[use_case.pk]}


def test_scale_answers_flag_a_use_case_without_business_baselines(use_case):
    answers = _answers(use_case)
    assert answers["workflow"].flagged and "baseline" in answers["workflow"].reason
    assert answers["value_metric"].flagged
    assert "target and a pre-AI baseline" in answers["value_metric"].reason
    assert answers["workflow"].evidence[0].url == card_url(use_case)


def test_scale_answers_from_business_metrics(scored):
    # Throughput has a target, a baseline and one judged week: it moved, not yet a trend.
    answers = _answers(scored)
    assert not answers["workflow"].flagged
    assert "Throughput 200 cases/day" in answers["workflow"].text
    assert "baseline of 100 cases/day (+100 cases/day (+100%), better)" in answers["workflow"].text
    assert answers["value_metric"].flagged
    assert "fewer than 4 complete weeks" in answers["value_metric"].reason
    for back in range(1, 4):
        rollup(scored, "throughput", week(back), count=168, days=7, sum=1300.0)
    answers = _answers(scored)
    assert not answers["value_metric"].flagged
    assert "Throughput: on target" in answers["value_metric"].text
    assert "4 weeks of figures" in answers["value_metric"].text


def test_scale_answers_of_many_match_each_alone(org, pm, scored, use_case):
    other = make_use_case(org, pm, name="Second")
    many = metrics_answers.answers_many([scored, other])
    assert many[scored.pk] == list(_answers(scored).values())
    assert all(a.flagged for a in many[other.pk])
