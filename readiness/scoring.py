"""Workflow economics: how strong a first candidate a use case is. Pure functions, no ORM.

The priority score runs from 0 to 100:

    priority = round(100 * (mean of the five criteria - 1) / 4) - 25 if politically sensitive

floored at 0. The five criteria (repetition, clear handoffs, cost of delay, frequency of
knowledge lookup, reviewability of output) are each scored 1 (poor fit) to 5 (strong fit) and
weigh the same. Political sensitivity costs 25 points because an early win should build trust,
and the most contested process in the company is the worst place to learn. Until all five are
scored the priority is 0 and its band is "unscored": a use case is not ranked on guesses.
"""

from __future__ import annotations

CRITERIA = ("repetition", "clear_handoffs", "cost_of_delay", "knowledge_lookup", "reviewability")
SENSITIVITY_PENALTY = 25


UNSCORED = "unscored"


def priority_score(
    *,
    repetition: int | None,
    clear_handoffs: int | None,
    cost_of_delay: int | None,
    knowledge_lookup: int | None,
    reviewability: int | None,
    politically_sensitive: bool,
) -> int:
    """The 0-100 priority of a use case, 0 while a criterion is not scored (None); raises
    ValueError if a criterion is outside 1-5."""
    given = (repetition, clear_handoffs, cost_of_delay, knowledge_lookup, reviewability)
    for name, value in zip(CRITERIA, given, strict=True):
        if value is not None and not 1 <= value <= 5:
            raise ValueError(f"{name} must be between 1 and 5, got {value}")
    scores = [v for v in given if v is not None]
    if len(scores) < len(CRITERIA):
        return 0
    mean = sum(scores) / len(scores)
    score = round(100 * (mean - 1) / 4)
    if politically_sensitive:
        score -= SENSITIVITY_PENALTY
    return max(score, 0)


def priority_band(score: int, *, scored: bool = True) -> str:
    """A word for the score, for people who scan a list ("unscored" until all five are)."""
    if not scored:
        return UNSCORED
    if score >= 75:
        return "high"
    if score >= 50:
        return "medium"
    return "low"
