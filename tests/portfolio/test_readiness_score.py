"""The readiness score: a pure function, tested on its own."""

import pytest

from portfolio.score import readiness_score

FULL = {
    "criteria_done": 12,
    "criteria_total": 12,
    "items_done": 40,
    "items_total": 40,
    "governance_done": 11,
    "governance_total": 11,
    "scorecard": {"system": "on_target", "quality": "on_target", "business": "on_target"},
    "answers_ok": 6,
}


def test_everything_proven_scores_100_in_five_parts_of_20():
    score = readiness_score(**FULL)
    assert score.total == 100
    assert [p.key for p in score.parts] == [
        "plan",
        "workstreams",
        "governance",
        "metrics",
        "answers",
    ]
    assert all(p.max_points == 20 and p.points == 20 for p in score.parts)


def test_parts_add_up_and_explain_themselves():
    score = readiness_score(
        **{
            **FULL,
            "criteria_done": 6,  # 10 points
            "items_done": 10,  # 5 points
            "governance_done": 0,  # 0
            "scorecard": {"system": "at_risk", "quality": "off_target", "business": "no_data"},
            "answers_ok": 3,  # 10 points
        }
    )
    points = {p.key: round(p.points, 2) for p in score.parts}
    assert points == {"plan": 10, "workstreams": 5, "governance": 0, "metrics": 3.33, "answers": 10}
    assert score.total == 28
    assert score.parts[0].detail == "6 of 12 exit criteria met"
    assert score.parts[2].detail == "0 of 11 required sign-offs"


def test_nothing_to_count_scores_zero_not_full():
    score = readiness_score(
        **{
            **FULL,
            "criteria_total": 0,
            "criteria_done": 0,
            "governance_total": 0,
            "governance_done": 0,
        }
    )
    assert {p.key: p.points for p in score.parts}["plan"] == 0
    assert {p.key: p.points for p in score.parts}["governance"] == 0


def test_levels_without_a_target_are_left_out_of_the_metrics_part():
    score = readiness_score(
        **{
            **FULL,
            "scorecard": {"system": "no_target", "quality": "no_target", "business": "on_target"},
        }
    )
    assert score.total == 100
    none = readiness_score(
        **{**FULL, "scorecard": dict.fromkeys(("system", "quality", "business"), "no_target")}
    )
    metrics = next(p for p in none.parts if p.key == "metrics")
    assert metrics.points == 0 and metrics.detail == "no scorecard level has a target"


def test_an_app_that_says_nothing_is_left_out_and_the_rest_scale_to_100():
    score = readiness_score(
        **{**FULL, "governance_done": None, "governance_total": None, "scorecard": None}
    )
    assert [p.key for p in score.parts] == ["plan", "workstreams", "answers"]
    assert score.total == 100
    assert all(round(p.max_points, 2) == 33.33 for p in score.parts)


@pytest.mark.parametrize(
    "bad", [{"criteria_done": 13}, {"items_done": -1}, {"governance_done": 12}, {"answers_ok": 7}]
)
def test_impossible_counts_are_refused(bad):
    with pytest.raises(ValueError):
        readiness_score(**{**FULL, **bad})
