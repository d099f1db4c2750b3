"""The built-in catalog: framework controls and the default checklist template, as data.

Control identifiers are the frameworks' own; every title is a short paraphrase in our words,
not the standards' text. Loaded by migration ``0002_builtin_catalog`` through :func:`load`,
which is idempotent (it updates what exists and adds what is missing, by natural key).
"""

from __future__ import annotations

from typing import Any

NIST = "nist_ai_rmf"
ISO = "iso_42001"
EU = "eu_ai_act"

# (framework, identifier, short title of our own)
CONTROLS: list[tuple[str, str, str]] = [
    (NIST, "GOVERN 1.1", "Legal and regulatory duties for the AI system are known"),
    (NIST, "GOVERN 1.5", "Monitoring and periodic review are planned"),
    (NIST, "GOVERN 4.3", "Incidents are found, tracked and shared"),
    (NIST, "GOVERN 6.1", "Third-party AI risks are covered by policy"),
    (NIST, "MAP 3.5", "Human oversight processes are defined"),
    (NIST, "MAP 4.1", "Risks of third-party components are mapped"),
    (NIST, "MEASURE 2.8", "Transparency and accountability risks are examined"),
    (NIST, "MEASURE 2.10", "Privacy risks are examined"),
    (NIST, "MANAGE 3.1", "Third-party resources are monitored"),
    (NIST, "MANAGE 4.1", "Post-deployment monitoring includes incident response"),
    (NIST, "MANAGE 4.3", "Incidents are communicated to those affected"),
    (ISO, "A.6.2.6", "The system is operated and monitored"),
    (ISO, "A.6.2.8", "Event logs of the system are kept"),
    (ISO, "A.7.2", "Data used by the system is managed"),
    (ISO, "A.7.5", "Where the data comes from is recorded"),
    (ISO, "A.8.4", "Incidents are communicated to interested parties"),
    (ISO, "A.9.2", "Responsible use has defined processes"),
    (ISO, "A.10.3", "Suppliers meet our AI requirements"),
    (EU, "Art. 10", "Data and data governance"),
    (EU, "Art. 12", "Automatic record-keeping"),
    (EU, "Art. 14", "Human oversight"),
    (EU, "Art. 19", "Keeping generated logs"),
    (EU, "Art. 26", "Duties of deployers"),
    (EU, "Art. 73", "Reporting serious incidents"),
]

DEFAULT_TEMPLATE_NAME = "Standard AI governance checklist"
DEFAULT_TEMPLATE_DESCRIPTION = (
    "The six control areas every AI use case covers before it scales: data classification and "
    "handling, the approved model or provider, prompt and response logging, retention and "
    "redaction, human-oversight thresholds and incident escalation."
)

# Each item: area, title, guidance (what evidence satisfies it), gate phase, required, controls.
DEFAULT_ITEMS: list[dict[str, Any]] = [
    {
        "area": "data_handling",
        "title": "Data classification recorded",
        "guidance": "The highest classification of data the AI receives or produces, with the "
        "data owner's confirmation (email or ticket link).",
        "gate_phase": 1,
        "required": True,
        "controls": [(NIST, "MEASURE 2.10"), (ISO, "A.7.2"), (EU, "Art. 10")],
    },
    {
        "area": "model_provider",
        "title": "Model and provider on the approved registry",
        "guidance": "The registry entry that covers the model, version and data classification, "
        "and any conditions attached to it.",
        "gate_phase": 1,
        "required": True,
        "controls": [(NIST, "GOVERN 6.1"), (NIST, "MAP 4.1"), (ISO, "A.10.3")],
    },
    {
        "area": "logging",
        "title": "Prompt and response logging policy set",
        "guidance": "What is logged (metadata, redacted or full text), where, and who can read it.",
        "gate_phase": 1,
        "required": True,
        "controls": [(ISO, "A.6.2.8"), (EU, "Art. 12"), (NIST, "MEASURE 2.8")],
    },
    {
        "area": "oversight",
        "title": "Human-oversight thresholds agreed",
        "guidance": "The confidence below which a person reviews each output, and the "
        "escalation rate above which an incident opens, signed by the business owner.",
        "gate_phase": 1,
        "required": True,
        "controls": [(NIST, "MAP 3.5"), (ISO, "A.9.2"), (EU, "Art. 14")],
    },
    {
        "area": "data_handling",
        "title": "Access to source data limited to the roles that need it",
        "guidance": "The access review of the integration's service account and the groups that "
        "can read its data.",
        "gate_phase": 2,
        "required": True,
        "controls": [(ISO, "A.7.5"), (NIST, "MEASURE 2.10")],
    },
    {
        "area": "model_provider",
        "title": "Provider terms cover data use and training opt-out",
        "guidance": "The contract clause or data-processing agreement that bars the provider "
        "from training on our data and fixes where data is processed.",
        "gate_phase": 2,
        "required": True,
        "controls": [(NIST, "GOVERN 6.1"), (NIST, "MANAGE 3.1"), (ISO, "A.10.3"), (EU, "Art. 26")],
    },
    {
        "area": "logging",
        "title": "Logs reach the audit store and are access-controlled",
        "guidance": "A sample log entry from the controlled rollout and the access list of the store.",
        "gate_phase": 2,
        "required": True,
        "controls": [(ISO, "A.6.2.8"), (EU, "Art. 12"), (EU, "Art. 19")],
    },
    {
        "area": "retention",
        "title": "Retention period and deletion agreed",
        "guidance": "The retention period in days and how deletion is done and checked.",
        "gate_phase": 2,
        "required": True,
        "controls": [(EU, "Art. 19"), (NIST, "MEASURE 2.10")],
    },
    {
        "area": "incidents",
        "title": "Escalation contacts and severity levels agreed",
        "guidance": "Who is called for each severity, within what time, and who may switch the "
        "AI off.",
        "gate_phase": 2,
        "required": True,
        "controls": [(NIST, "GOVERN 4.3"), (NIST, "MANAGE 4.3"), (ISO, "A.8.4"), (EU, "Art. 73")],
    },
    {
        "area": "retention",
        "title": "Redaction rules tested on real traffic",
        "guidance": "The test run of the redaction rules on a sample of production prompts, "
        "with what was missed and fixed.",
        "gate_phase": 3,
        "required": True,
        "controls": [(NIST, "MEASURE 2.10"), (ISO, "A.7.2")],
    },
    {
        "area": "oversight",
        "title": "Reviewers trained on when to override",
        "guidance": "Training material and attendance for everyone who approves AI output.",
        "gate_phase": 3,
        "required": True,
        "controls": [(EU, "Art. 14"), (EU, "Art. 26"), (ISO, "A.6.2.6")],
    },
    {
        "area": "incidents",
        "title": "Incident drill run before production",
        "guidance": "Notes of a drill: an incident raised, escalated and closed on paper.",
        "gate_phase": 3,
        "required": False,
        "controls": [(NIST, "MANAGE 4.1"), (NIST, "GOVERN 1.5")],
    },
]


def load(apps: Any = None) -> None:
    """Create or refresh the built-in controls and the built-in default template.

    ``apps`` is a migration's app registry (or None for the live models). Org copies of the
    template are never touched.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Control = apps.get_model("governance", "FrameworkControl")
    Template = apps.get_model("governance", "ChecklistTemplate")
    Item = apps.get_model("governance", "TemplateItem")
    controls = {}
    for framework, identifier, title in CONTROLS:
        control, _ = Control.objects.update_or_create(
            organization=None,
            framework=framework,
            identifier=identifier,
            defaults={"title": title},
        )
        controls[(framework, identifier)] = control
    template, _ = Template.objects.update_or_create(
        organization=None,
        name=DEFAULT_TEMPLATE_NAME,
        defaults={"description": DEFAULT_TEMPLATE_DESCRIPTION, "is_default": True},
    )
    template.items.all().delete()
    for position, spec in enumerate(DEFAULT_ITEMS):
        item = Item.objects.create(
            template=template,
            area=spec["area"],
            title=spec["title"],
            guidance=spec["guidance"],
            gate_phase=spec["gate_phase"],
            required=spec["required"],
            position=position,
        )
        item.controls.set([controls[c] for c in spec["controls"]])
