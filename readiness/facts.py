"""Workstream items that follow the records: which item states which fact, and who holds it.

Many workstream checklist items state something the product already records: the five
economics scores, each field of the behavior spec, the five integration concerns, the
governance checklist and the approved model, the metric targets and baselines, the adoption
cohort, training, usage boundaries and feedback. Such an item carries a :class:`Fact` key; it is
ticked and unticked only by the app that holds the record, never by hand, and shows a link to
where the record is kept. Items without a fact are judgments and stay manual.

The keys and their wording live here, on the ground floor, so that workstream templates can say
which item follows which fact. Readiness sets its own facts (economics, spec, integrations) in
its services; governance, metrics and adoption compute theirs and call
:func:`readiness.services.workstream_facts_refresh` inside their own transaction (imports point
down). The rules for readiness's own facts are the pure functions at the end of this module.

Also here: which phase of the 90-day plan each workstream's items belong to (their default due
date is that phase's planned end), and how a workstream's status follows its items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class Source(StrEnum):
    """The app that holds a fact's record (and is the only one that may set it)."""

    READINESS = "readiness"
    GOVERNANCE = "governance"
    METRICS = "metrics"
    ADOPTION = "adoption"


class Fact(models.TextChoices):
    # 1. Workflow economics: the five scores of the use case.
    REPETITION = "economics.repetition", "Repetition scored"
    CLEAR_HANDOFFS = "economics.clear_handoffs", "Clear handoffs scored"
    COST_OF_DELAY = "economics.cost_of_delay", "Cost of delay scored"
    KNOWLEDGE_LOOKUP = "economics.knowledge_lookup", "Knowledge lookup scored"
    REVIEWABILITY = "economics.reviewability", "Reviewability scored"
    # 2. Production behavior: each field of the current behavior spec.
    SPEC_INPUTS = "spec.inputs", "Spec: inputs"
    SPEC_OUTPUT_FORMAT = "spec.output_format", "Spec: output format"
    SPEC_UNCERTAINTY = "spec.uncertainty_behavior", "Spec: behavior when uncertain"
    SPEC_HUMAN_APPROVAL = "spec.human_approval", "Spec: human approval"
    SPEC_SOURCE_SYSTEMS = "spec.source_systems", "Spec: source systems"
    SPEC_LATENCY = "spec.acceptable_latency", "Spec: acceptable latency"
    # 3. Integration: the five concerns, across the use case's integrations.
    IDENTITY_ACCESS = "integration.identity_access", "Integrations: identity and access"
    DATA_MAPPING = "integration.data_mapping", "Integrations: data mapping"
    EVENT_TRIGGERS = "integration.event_triggers", "Integrations: event triggers"
    API_RELIABILITY = "integration.api_reliability", "Integrations: API reliability"
    LOGGING_AUDIT = "integration.logging_audit", "Integrations: logging and audit trails"
    # 5. Governance: the checklist's control areas, and the approved model.
    GOV_DATA_HANDLING = "governance.data_handling", "Governance: data handling"
    GOV_MODEL_APPROVED = "governance.model_approved", "Governance: model approved"
    GOV_LOGGING = "governance.logging", "Governance: logging policy"
    GOV_RETENTION = "governance.retention", "Governance: retention and redaction"
    GOV_OVERSIGHT = "governance.oversight", "Governance: human oversight"
    GOV_INCIDENTS = "governance.incidents", "Governance: incident escalation"
    # 6. Instrumentation: metric targets per level, and the business baselines.
    SYSTEM_TARGETS = "metrics.system_targets", "Metrics: system targets"
    QUALITY_TARGETS = "metrics.quality_targets", "Metrics: quality targets"
    BUSINESS_TARGETS = "metrics.business_targets", "Metrics: business targets"
    BASELINES = "metrics.baselines", "Metrics: baselines"
    # 7. Adoption rollout: the first cohort, managers' training, boundaries, weekly feedback.
    COHORT = "adoption.cohort", "Adoption: first cohort"
    MANAGERS_TRAINED = "adoption.managers_trained", "Adoption: managers trained"
    BOUNDARIES = "adoption.boundaries", "Adoption: usage boundaries"
    FEEDBACK = "adoption.feedback", "Adoption: weekly feedback"


@dataclass(frozen=True)
class FactDef:
    """One fact: the workstream item that states it and the record it follows."""

    fact: Fact
    workstream: int  # number of the workstream (1-7) whose item states it
    text: str  # the item's wording in the default workstream templates
    source: Source
    record: str  # the record, for people: "follows {record}"
    label: str  # the link's words, naming the page the record is kept on
    url_name: str  # that page's URL name; takes ``org`` and ``pk`` (the use case)
    anchor: str = ""  # fragment on that page, without "#"
    how: str = ""  # what makes it true, in one sentence


def _f(
    fact: Fact,
    workstream: int,
    text: str,
    source: Source,
    record: str,
    label: str,
    url_name: str,
    anchor: str = "",
    how: str = "",
) -> FactDef:
    return FactDef(fact, workstream, text, source, record, label, url_name, anchor, how)


R, G, M, A = Source.READINESS, Source.GOVERNANCE, Source.METRICS, Source.ADOPTION
_ECON = ("Workflow economics", "usecase_detail", "economics")
_SPEC = ("Behavior spec", "usecase_spec", "current-title")
_INTEG = ("Integrations", "usecase_integrations", "")
_GOV = ("Governance checklist", "governance_usecase", "")
_TARGETS = ("Metric targets", "metric_targets", "")
_ADOPT = ("Adoption", "adoption_usecase", "")

_DEFS: list[FactDef] = [
    _f(Fact.REPETITION, 1, "Score repetition: how often the task recurs", R,
       "the repetition score", *_ECON, how="Ticked once repetition is scored."),
    _f(Fact.CLEAR_HANDOFFS, 1, "Map the handoffs between people and systems", R,
       "the clear-handoffs score", *_ECON, how="Ticked once clear handoffs are scored."),
    _f(Fact.COST_OF_DELAY, 1, "Estimate what a day of delay costs", R,
       "the cost-of-delay score", *_ECON, how="Ticked once the cost of delay is scored."),
    _f(Fact.KNOWLEDGE_LOOKUP, 1, "Measure how often people look knowledge up", R,
       "the knowledge-lookup score", *_ECON, how="Ticked once knowledge lookup is scored."),
    _f(Fact.REVIEWABILITY, 1, "Confirm the output can be reviewed by a person", R,
       "the reviewability score", *_ECON, how="Ticked once reviewability is scored."),
    _f(Fact.SPEC_INPUTS, 2, "Inputs the AI receives are listed", R,
       "the inputs of the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec lists the inputs."),
    _f(Fact.SPEC_OUTPUT_FORMAT, 2, "Required output format is agreed", R,
       "the output format of the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec states the output format."),
    _f(Fact.SPEC_UNCERTAINTY, 2, "Behavior when the AI is uncertain is defined", R,
       "the behavior when uncertain in the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec says what happens when the AI is uncertain."),
    _f(Fact.SPEC_HUMAN_APPROVAL, 2, "Actions that need human approval are named", R,
       "what needs human approval in the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec names what needs human approval."),
    _f(Fact.SPEC_SOURCE_SYSTEMS, 2, "Source systems are identified", R,
       "the source systems of the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec names the source systems."),
    _f(Fact.SPEC_LATENCY, 2, "Acceptable latency is set", R,
       "the acceptable latency of the current behavior spec", *_SPEC,
       how="Ticked while the current behavior spec sets the acceptable latency."),
    _f(Fact.IDENTITY_ACCESS, 3, "Identity and access: users and service accounts mapped", R,
       "the identity and access concern of the integrations", *_INTEG,
       how="Ticked when every integration in use has this concern done or not applicable."),
    _f(Fact.DATA_MAPPING, 3, "Data mapping: fields from source systems mapped and cleaned", R,
       "the data mapping concern of the integrations", *_INTEG,
       how="Ticked when every integration in use has this concern done or not applicable."),
    _f(Fact.EVENT_TRIGGERS, 3, "Event triggers: what starts the AI step is wired", R,
       "the event triggers concern of the integrations", *_INTEG,
       how="Ticked when every integration in use has this concern done or not applicable."),
    _f(Fact.API_RELIABILITY, 3, "API reliability: timeouts, retries and fallbacks tested", R,
       "the API reliability concern of the integrations", *_INTEG,
       how="Ticked when every integration in use has this concern done or not applicable."),
    _f(Fact.LOGGING_AUDIT, 3, "Logging and audit trails: every AI action is traceable", R,
       "the logging and audit trails concern of the integrations", *_INTEG,
       how="Ticked when every integration in use has this concern done or not applicable."),
    _f(Fact.GOV_DATA_HANDLING, 5, "Data classification and handling rules agreed", G,
       "the data classification and handling items of the governance checklist", *_GOV,
       how="Ticked when every required item of this area, up to the gate in front of the use "
       "case, is approved or not applicable."),
    _f(Fact.GOV_MODEL_APPROVED, 5, "Model and provider approved", G,
       "the model in the governance policy, the approved model registry and the model and "
       "provider items of the governance checklist", *_GOV,
       how="Ticked while the policy's model is in the approved registry for its data "
       "classification, unexpired, and every required model and provider item up to the gate "
       "in front of the use case is approved or not applicable."),
    _f(Fact.GOV_LOGGING, 5, "Prompt and response logging policy set", G,
       "the prompt and response logging items of the governance checklist", *_GOV,
       how="Ticked when every required item of this area, up to the gate in front of the use "
       "case, is approved or not applicable."),
    _f(Fact.GOV_RETENTION, 5, "Retention and redaction controls in place", G,
       "the retention and redaction items of the governance checklist", *_GOV,
       how="Ticked when every required item of this area, up to the gate in front of the use "
       "case, is approved or not applicable."),
    _f(Fact.GOV_OVERSIGHT, 5, "Human oversight thresholds defined", G,
       "the human-oversight items of the governance checklist", *_GOV,
       how="Ticked when every required item of this area, up to the gate in front of the use "
       "case, is approved or not applicable."),
    _f(Fact.GOV_INCIDENTS, 5, "Incident escalation procedure published", G,
       "the incident escalation items of the governance checklist", *_GOV,
       how="Ticked when every required item of this area, up to the gate in front of the use "
       "case, is approved or not applicable."),
    _f(Fact.SYSTEM_TARGETS, 6, "System metrics: latency, errors, availability, token cost", M,
       "the targets of the system metrics", *_TARGETS,
       how="Ticked while at least one system metric has a target."),
    _f(Fact.QUALITY_TARGETS, 6, "Quality metrics: acceptance, edit and escalation rates", M,
       "the targets of the quality metrics", *_TARGETS,
       how="Ticked while at least one quality metric has a target."),
    _f(Fact.BUSINESS_TARGETS, 6,
       "Business metrics: cycle time, throughput, response time, case capacity", M,
       "the targets of the business metrics", *_TARGETS,
       how="Ticked while at least one business metric has a target."),
    _f(Fact.BASELINES, 6, "Pre-AI baselines recorded", M,
       "the baselines of the business metrics", *_TARGETS,
       how="Ticked while every business metric with a target has its pre-AI baseline."),
    _f(Fact.COHORT, 7, "Start with one team and one workflow", A,
       "the adoption cohorts", "Cohorts", "adoption_usecase", "cohorts-title",
       how="Ticked once a first cohort is recorded."),
    _f(Fact.MANAGERS_TRAINED, 7, "Train managers before end users", A,
       "the training records of the cohorts' managers", "Cohorts", "adoption_usecase",
       "cohorts-title",
       how="Ticked while every manager of every cohort has a training record."),
    _f(Fact.BOUNDARIES, 7, "Publish clear usage boundaries", A,
       "the published usage boundaries", "Usage boundaries", "adoption_boundaries",
       how="Ticked once usage boundaries are published."),
    _f(Fact.FEEDBACK, 7, "Collect structured feedback every week", A,
       "the weekly feedback of the cohorts", "Weekly feedback", "adoption_usecase",
       "feedback-title",
       how="Ticked while feedback has come in for this week or last week."),
]  # fmt: skip

FACTS: dict[str, FactDef] = {d.fact.value: d for d in _DEFS}


def fact_def(fact: str) -> FactDef:
    """The definition of a fact key (KeyError for an unknown one)."""
    return FACTS[fact]


def facts_of(source: Source) -> list[Fact]:
    """Every fact the app ``source`` holds, in workstream order."""
    return [d.fact for d in _DEFS if d.source == source]


def facts_of_workstream(number: int) -> list[FactDef]:
    """The facts whose items belong to workstream ``number``, in their default order."""
    return [d for d in _DEFS if d.workstream == number]


def default_fact_for(number: int, text: str) -> Fact | None:
    """The fact stated by the default item ``text`` of workstream ``number``, if any."""
    for d in _DEFS:
        if d.workstream == number and d.text == text.strip():
            return d.fact
    return None


# --- The plan: which phase each workstream's items belong to -----------------------------------

# A workstream item is due at the planned end of the phase its workstream belongs to (exit
# criteria at their own phase's end). Phase 1 (production definition) decides what to build and
# why: the economics and the behavior spec. Phase 2 (integration and controlled rollout) builds
# it: the integrations, the human workflow around the AI and the instrumentation that measures
# the limited launch. Phase 3 (operationalization) finishes what production and scale rest on:
# governance signed off at every gate, and the adoption rollout past the first team.
WORKSTREAM_PHASE: dict[int, int] = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 2, 7: 3}


def workstream_phase(number: int) -> int:
    """The plan phase a workstream's items belong to (phase 3 for an unknown number)."""
    return WORKSTREAM_PHASE.get(number, 3)


# --- Status follows the items ----------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, AT_RISK, BLOCKED, DONE = (
    "not_started",
    "in_progress",
    "at_risk",
    "blocked",
    "done",
)
FLAGS = (AT_RISK, BLOCKED)  # a person's flag on unfinished work; the items say the rest


def progress_status(done: int, total: int) -> str:
    """The status the items alone give: not started, in progress or done."""
    if total and done >= total:
        return DONE
    return IN_PROGRESS if done else NOT_STARTED


def followed_status(current: str, done: int, total: int) -> str:
    """A workstream's status after its items changed.

    Done when every item is done; otherwise a flag set by a person (at risk, blocked) stays, and
    anything else becomes not started or in progress by the items. A workstream without items
    keeps whatever status it has.
    """
    if not total:
        return current
    derived = progress_status(done, total)
    if derived != DONE and current in FLAGS:
        return current
    return derived


# --- Readiness's own facts: pure rules ---------------------------------------------------------

ECONOMICS: dict[str, Fact] = {
    "repetition": Fact.REPETITION,
    "clear_handoffs": Fact.CLEAR_HANDOFFS,
    "cost_of_delay": Fact.COST_OF_DELAY,
    "knowledge_lookup": Fact.KNOWLEDGE_LOOKUP,
    "reviewability": Fact.REVIEWABILITY,
}
SPEC: dict[str, Fact] = {
    "inputs": Fact.SPEC_INPUTS,
    "output_format": Fact.SPEC_OUTPUT_FORMAT,
    "uncertainty_behavior": Fact.SPEC_UNCERTAINTY,
    "human_approval": Fact.SPEC_HUMAN_APPROVAL,
    "source_systems": Fact.SPEC_SOURCE_SYSTEMS,
    "acceptable_latency": Fact.SPEC_LATENCY,
}
CONCERNS: dict[str, Fact] = {
    "identity_access": Fact.IDENTITY_ACCESS,
    "data_mapping": Fact.DATA_MAPPING,
    "event_triggers": Fact.EVENT_TRIGGERS,
    "api_reliability": Fact.API_RELIABILITY,
    "logging_audit": Fact.LOGGING_AUDIT,
}
CONCERN_SETTLED = ("done", "not_applicable")
RETIRED_INTEGRATION = "retired"


def economics_facts(scores: Mapping[str, int | None]) -> dict[Fact, bool]:
    """Each criterion is a fact once it has a score (1-5)."""
    return {fact: scores.get(field) is not None for field, fact in ECONOMICS.items()}


def spec_facts(spec: Mapping[str, str] | None) -> dict[Fact, bool]:
    """Each field of the current spec version is a fact while it says something."""
    spec = spec or {}
    return {fact: bool((spec.get(field) or "").strip()) for field, fact in SPEC.items()}


def integration_facts(integrations: Iterable[Mapping[str, str]]) -> dict[Fact, bool]:
    """A concern is a fact when the use case has an integration in use (not retired) and every
    such integration has that concern done or not applicable.

    Each integration is given as its ``status`` and the five concern fields.
    """
    in_use = [i for i in integrations if i.get("status") != RETIRED_INTEGRATION]
    return {
        fact: bool(in_use) and all(i.get(field) in CONCERN_SETTLED for i in in_use)
        for field, fact in CONCERNS.items()
    }
