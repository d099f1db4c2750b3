"""Readiness tests judge the gate on readiness's own check alone.

governance and metrics register their checks into the same gate when the project starts; their
own tests cover those. Here the gate has only the exit-criteria check, so a readiness test's
expected blockers (and audit trail) don't change when another app adds a rule or a listener.
"""

from __future__ import annotations

import pytest

from readiness import gate


@pytest.fixture(autouse=True)
def readiness_gate_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "_checks", {"readiness.exit_criteria": gate.exit_criteria_check})
    monkeypatch.setattr(gate, "_created_listeners", {})
    monkeypatch.setattr(gate, "_outcome_listeners", {})
