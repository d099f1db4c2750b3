"""Default content: the seven workstreams and the three phases' exit criteria.

Worded for this product from the structure of the pilot-to-production pattern it follows.
Organizations get a copy of the workstream templates when they are created and may edit it.
Each workstream's checklist starts with the items that follow facts the product records
(:mod:`readiness.facts`: their wording lives there) and ends with its judgments, ticked by hand.
``ALL_ITEMS`` gives the whole default wording in order, as the templates were before items
followed facts.
"""

from __future__ import annotations

from typing import TypedDict

from readiness.facts import facts_of_workstream


class WorkstreamDefault(TypedDict):
    number: int
    name: str
    purpose: str
    facts: list[str]  # keys of readiness.facts.Fact
    items: list[str]  # the judgments


_ALL: list[WorkstreamDefault] = [
    {
        "number": 1,
        "name": "Workflow economics",
        "purpose": "Pick a workflow whose gain in speed, consistency or capacity can be measured.",
        "facts": [],
        "items": [
            "Score repetition: how often the task recurs",
            "Map the handoffs between people and systems",
            "Estimate what a day of delay costs",
            "Measure how often people look knowledge up",
            "Confirm the output can be reviewed by a person",
            "Check the process is not the most politically sensitive one",
        ],
    },
    {
        "number": 2,
        "name": "Production behavior",
        "purpose": "Specify how the system must behave before choosing the model stack.",
        "facts": [],
        "items": [
            "Inputs the AI receives are listed",
            "Required output format is agreed",
            "Behavior when the AI is uncertain is defined",
            "Actions that need human approval are named",
            "Source systems are identified",
            "Acceptable latency is set",
        ],
    },
    {
        "number": 3,
        "name": "Integration",
        "purpose": "Connect to real enterprise data and systems early; this usually drives the schedule.",
        "facts": [],
        "items": [
            "Identity and access: users and service accounts mapped",
            "Data mapping: fields from source systems mapped and cleaned",
            "Event triggers: what starts the AI step is wired",
            "API reliability: timeouts, retries and fallbacks tested",
            "Logging and audit trails: every AI action is traceable",
        ],
    },
    {
        "number": 4,
        "name": "Human workflow design",
        "purpose": "Design the work around the AI, not just the AI screen.",
        "facts": [],
        "items": [
            "Where in the current workflow the AI appears is decided",
            "The action the AI helps complete is defined",
            "The evidence shown alongside the output is chosen",
            "Users can edit, approve or reject the output",
            "Exceptions are routed to a named queue or person",
        ],
    },
    {
        "number": 5,
        "name": "Governance",
        "purpose": "Build legal, compliance and security controls into delivery, not at the end.",
        "facts": [],
        "items": [
            "Data classification and handling rules agreed",
            "Model and provider approved",
            "Prompt and response logging policy set",
            "Retention and redaction controls in place",
            "Human oversight thresholds defined",
            "Incident escalation procedure published",
        ],
    },
    {
        "number": 6,
        "name": "Instrumentation",
        "purpose": "Measure value, quality and risk on a scorecard leadership can trust.",
        "facts": [],
        "items": [
            "System metrics: latency, errors, availability, token cost",
            "Quality metrics: acceptance, edit and escalation rates",
            "Business metrics: cycle time, throughput, response time, case capacity",
            "Pre-AI baselines recorded",
        ],
    },
    {
        "number": 7,
        "name": "Adoption rollout",
        "purpose": "Run the rollout as a change program that earns trust through repetition.",
        "facts": [],
        "items": [
            "Start with one team and one workflow",
            "Train managers before end users",
            "Publish clear usage boundaries",
            "Collect structured feedback every week",
            "Iterate quickly in the first 30-60 days",
        ],
    },
]


def _split(workstream: WorkstreamDefault) -> WorkstreamDefault:
    stated = facts_of_workstream(workstream["number"])
    texts = {d.text for d in stated}
    return {
        **workstream,
        "facts": [d.fact.value for d in stated],
        "items": [text for text in workstream["items"] if text not in texts],
    }


WORKSTREAMS: list[WorkstreamDefault] = [_split(w) for w in _ALL]
ALL_ITEMS: dict[int, list[str]] = {w["number"]: list(w["items"]) for w in _ALL}

PHASE_EXIT_CRITERIA: dict[int, list[str]] = {
    1: [
        "Target workflow and business outcome confirmed",
        "User roles and approval steps defined",
        "Required systems and data mapped",
        "Governance baseline established",
        "Evaluation criteria defined",
    ],
    2: [
        "Core integrations implemented",
        "Logging and auditability built",
        "Tested with real workflow scenarios",
        "Launched to a limited user group",
        "Output quality and user edits measured",
    ],
    3: [
        "UX and exception handling improved",
        "Support and incident process finalized",
        "Reporting for leadership in place",
        "Rollout expanded to more users or workflows",
        "Production KPIs and review cadence locked",
    ],
}
