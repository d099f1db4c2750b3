"""The pure rules of readiness.facts: which item states which fact, readiness's own facts, the
phase each workstream belongs to, and how a workstream's status follows its items."""

import pytest

from readiness import defaults, facts
from readiness.facts import FACTS, Fact, Source


def test_every_fact_has_one_item_in_the_default_templates():
    assert set(FACTS) == set(Fact.values)
    for d in FACTS.values():
        assert d.text in defaults.ALL_ITEMS[d.workstream], d.fact
        assert facts.default_fact_for(d.workstream, d.text) == d.fact
    # The judgments are what is left: the political check, human workflow design, iterating.
    judgments = {w["number"]: w["items"] for w in defaults.WORKSTREAMS}
    assert judgments[1] == ["Check the process is not the most politically sensitive one"]
    assert len(judgments[4]) == 5
    assert judgments[7] == ["Iterate quickly in the first 30-60 days"]
    assert all(not judgments[n] for n in (2, 3, 5, 6))


def test_each_app_holds_its_own_facts():
    assert {f.split(".")[0] for f in facts.facts_of(Source.READINESS)} == {
        "economics",
        "spec",
        "integration",
    }
    assert all(f.startswith("governance.") for f in facts.facts_of(Source.GOVERNANCE))
    assert all(f.startswith("metrics.") for f in facts.facts_of(Source.METRICS))
    assert all(f.startswith("adoption.") for f in facts.facts_of(Source.ADOPTION))


def test_economics_facts_follow_each_score():
    found = facts.economics_facts({"repetition": 4, "clear_handoffs": None, "reviewability": 1})
    assert found[Fact.REPETITION] and found[Fact.REVIEWABILITY]
    assert not found[Fact.CLEAR_HANDOFFS] and not found[Fact.COST_OF_DELAY]


def test_spec_facts_follow_each_field():
    assert not any(facts.spec_facts(None).values())
    found = facts.spec_facts({"inputs": "Ticket text", "output_format": "  ", "human_approval": ""})
    assert found == {
        Fact.SPEC_INPUTS: True,
        Fact.SPEC_OUTPUT_FORMAT: False,
        Fact.SPEC_UNCERTAINTY: False,
        Fact.SPEC_HUMAN_APPROVAL: False,
        Fact.SPEC_SOURCE_SYSTEMS: False,
        Fact.SPEC_LATENCY: False,
    }


def _integration(status="building", **concerns):
    row = dict.fromkeys(facts.CONCERNS, "not_started")
    return {"status": status, **row, **concerns}


def test_integration_facts_need_every_integration_in_use_settled():
    assert not any(facts.integration_facts([]).values())
    crm = _integration(identity_access="done", data_mapping="not_applicable")
    erp = _integration(identity_access="done", data_mapping="in_progress")
    found = facts.integration_facts([crm, erp])
    assert found[Fact.IDENTITY_ACCESS] and not found[Fact.DATA_MAPPING]
    # A retired integration no longer counts, either way.
    retired = _integration(status="retired", identity_access="blocked")
    assert facts.integration_facts([crm, retired])[Fact.DATA_MAPPING]
    assert not facts.integration_facts([retired])[Fact.IDENTITY_ACCESS]


@pytest.mark.parametrize(
    ("current", "done", "total", "expected"),
    [
        ("not_started", 0, 6, "not_started"),
        ("not_started", 2, 6, "in_progress"),
        ("done", 5, 6, "in_progress"),  # an item unticked: no longer done
        ("in_progress", 0, 6, "not_started"),
        ("at_risk", 2, 6, "at_risk"),  # a person's flag stays on unfinished work
        ("blocked", 0, 6, "blocked"),
        ("blocked", 6, 6, "done"),  # done is done
        ("in_progress", 6, 6, "done"),
        ("at_risk", 0, 0, "at_risk"),  # nothing to follow
    ],
)
def test_followed_status(current, done, total, expected):
    assert facts.followed_status(current, done, total) == expected


def test_every_workstream_belongs_to_a_phase():
    assert set(facts.WORKSTREAM_PHASE) == set(range(1, 8))
    assert set(facts.WORKSTREAM_PHASE.values()) == {1, 2, 3}
    assert facts.workstream_phase(1) == 1 and facts.workstream_phase(7) == 3
