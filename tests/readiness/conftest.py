"""Readiness tests judge the gate on readiness's own check alone.

governance, metrics and adoption register their checks into the same gate, and subscribe to its
domain events, when the project starts; their own tests cover those. Here the gate has only the
exit-criteria check and no subscriber, so a readiness test's expected blockers (and audit trail)
don't change when another app adds a rule or a subscriber.

``api`` is the API client the API tests (test_api_*.py) share; their helpers are in
:mod:`tests.readiness.api_support`.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from readiness import events, gate
from tests.readiness.api_support import client_for


@pytest.fixture(autouse=True)
def readiness_gate_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "_checks", {"readiness.exit_criteria": gate.exit_criteria_check})
    monkeypatch.setattr(events, "_subscribers", defaultdict(dict))


@pytest.fixture
def api(pm):
    """An API client signed in as the organization's program manager."""
    return client_for(pm)
