"""Domain errors that services raise and that pages and the API turn into answers."""

from __future__ import annotations

from readiness.gate import Blocker


class GateRefused(Exception):
    """The gate is shut; ``blockers`` lists every reason, in words the user can act on."""

    def __init__(self, target: str, blockers: list[Blocker]):
        self.target = target
        self.blockers = blockers
        super().__init__(f"Gate to {target} refused: {len(blockers)} blocker(s)")


class Conflict(Exception):
    """The object changed under the request (for example another transition won the race)."""
