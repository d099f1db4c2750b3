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


class StaleVersion(Exception):
    """The row changed since the writer read it: ``expected`` is the version the writer saw,
    ``current`` the one now stored. Nothing was saved. ``changed_fields``, ``changed_by`` and
    ``changed_at`` say what happened since, from the audit trail (empty when it has no record).
    The API answers 412; a form re-renders with the message."""

    def __init__(
        self,
        *,
        label: str,
        expected: int,
        current: int,
        changed_fields: list[str],
        changed_by: str = "",
        changed_at: str = "",
    ):
        self.label = label
        self.expected = expected
        self.current = current
        self.changed_fields = changed_fields
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(self.message())

    def message(self) -> str:
        what = ", ".join(f.replace("_", " ") for f in self.changed_fields) or "its content"
        who = f" by {self.changed_by}" if self.changed_by else ""
        when = f" at {self.changed_at}" if self.changed_at else ""
        return (
            f"This {self.label} changed since you opened it (you had version {self.expected}, "
            f"it is now version {self.current}): {what} changed{who}{when}. Nothing was saved; "
            "reload to see the current values and make your change again."
        )
