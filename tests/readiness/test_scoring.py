import pytest

from readiness.scoring import priority_band, priority_score


def score(*values: int, sensitive: bool = False) -> int:
    keys = ("repetition", "clear_handoffs", "cost_of_delay", "knowledge_lookup", "reviewability")
    return priority_score(**dict(zip(keys, values, strict=True)), politically_sensitive=sensitive)


@pytest.mark.parametrize(
    ("values", "sensitive", "expected"),
    [
        ((5, 5, 5, 5, 5), False, 100),
        ((1, 1, 1, 1, 1), False, 0),
        ((3, 3, 3, 3, 3), False, 50),
        ((5, 4, 4, 5, 4), False, 85),
        ((5, 5, 5, 5, 5), True, 75),
        ((1, 1, 1, 1, 2), True, 0),  # floored at zero, never negative
    ],
)
def test_priority_score_formula(values, sensitive, expected):
    assert score(*values, sensitive=sensitive) == expected


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_priority_score_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="between 1 and 5"):
        score(bad, 3, 3, 3, 3)


def test_sensitivity_lowers_priority():
    assert score(4, 4, 4, 4, 4, sensitive=True) < score(4, 4, 4, 4, 4)


@pytest.mark.parametrize(
    ("value", "band"), [(100, "high"), (75, "high"), (74, "medium"), (50, "medium"), (49, "low")]
)
def test_priority_band(value, band):
    assert priority_band(value) == band
