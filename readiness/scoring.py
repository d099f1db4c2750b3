"""Workflow economics: how strong a first candidate a use case is. Pure functions, no ORM.

The priority score runs from 0 to 100:

    priority = round(100 * (mean of the five criteria - 1) / 4) - 25 if politically sensitive

floored at 0. The five criteria (repetition, clear handoffs, cost of delay, frequency of
knowledge lookup, reviewability of output) are each scored 1 (poor fit) to 5 (strong fit) and
weigh the same. Political sensitivity costs 25 points because an early win should build trust,
and the most contested process in the company is the worst place to learn.
"""

from __future__ import annotations

CRITERIA = ("repetition", "clear_handoffs", "cost_of_delay", "knowledge_lookup", "reviewability")
SENSITIVITY_PENALTY = 25


def priority_score(
    *,
    repetition: int,
    clear_handoffs: int,
    cost_of_delay: int,
    knowledge_lookup: int,
    reviewability: int,
    politically_sensitive: bool,
) -> int:
    """The 0-100 priority of a use case; raises ValueError if a criterion is outside 1-5."""
    scores = (repetition, clear_handoffs, cost_of_delay, knowledge_lookup, reviewability)
    for name, value in zip(CRITERIA, scores, strict=True):
        if not 1 <= value <= 5:
            raise ValueError(f"{name} must be between 1 and 5, got {value}")
    mean = sum(scores) / len(scores)
    score = round(100 * (mean - 1) / 4)
    if politically_sensitive:
        score -= SENSITIVITY_PENALTY
    return max(score, 0)


def priority_band(score: int) -> str:
    """A word for the score, for people who scan a list."""
    if score >= 75:
        return "high"
    if score >= 50:
        return "medium"
    return "low"
