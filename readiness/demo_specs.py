"""The production behavior spec of each demo use case (seed_demo): what goes in, what comes
out, what happens when the AI is unsure, what a person approves, the systems it reads and how
fast it must answer. Each fits its use case, so the executive's questions read true.

``latency_after_pilot``: the second version's latency, for use cases past phase 1 (the pilot
taught them something).
"""

from __future__ import annotations

SPEC_FIELDS = (
    "inputs",
    "output_format",
    "uncertainty_behavior",
    "human_approval",
    "source_systems",
    "acceptable_latency",
)

DEMO_SPECS: dict[str, dict[str, str]] = {
    "Documentation support": {
        "inputs": "The engineer's question, their team, and the top 5 passages that the search "
        "index finds in the platform documentation.",
        "output_format": "A short answer (at most 150 words) followed by the cited pages, each "
        "with a link and the date it was last edited.",
        "uncertainty_behavior": "Says it does not know, lists the closest pages, and offers to "
        "post the question in the owning platform team's channel.",
        "human_approval": "Nothing is posted to another team's channel without the engineer "
        "confirming; answers are read-only advice.",
        "source_systems": "Confluence, the engineering handbook repository, the service catalogue.",
        "acceptable_latency": "Under 5 seconds for 95% of questions",
        "latency_after_pilot": "Under 3 seconds for 95% of questions",
    },
    "Internal IT copilot": {
        "inputs": "The ticket's text and attachments' names, the caller's device and group "
        "memberships, their tickets of the last 30 days, and the matching knowledge articles.",
        "output_format": "A suggested category and priority, a numbered diagnosis with the next "
        "step, the knowledge articles used, and for standard requests (password reset, software "
        "install) a prefilled fulfilment form.",
        "uncertainty_behavior": "Leaves category and priority blank, keeps the ticket in the "
        "first-line queue and lists the information it needs from the caller.",
        "human_approval": "An agent approves every change to an account, a device or access "
        "rights; the copilot never closes or reassigns a ticket by itself.",
        "source_systems": "ServiceNow ITSM, Microsoft Entra ID, Intune, the IT knowledge base.",
        "acceptable_latency": "A suggestion within 5 seconds of the ticket opening",
        "latency_after_pilot": "A suggestion within 3 seconds of the ticket opening",
    },
    "Claims triage assistance": {
        "inputs": "The first notice of loss, the policy's coverage and deductibles, the "
        "claimant's claims of the last 3 years, and the metadata of the photos and reports "
        "attached.",
        "output_format": "A route (fast track, standard, complex, special investigations) with a "
        "severity band, coverage flags, and up to five reasons, each citing the claim field it "
        "rests on.",
        "uncertainty_behavior": "Routes to the standard queue tagged for manual triage, never to "
        "fast track; any fraud signal goes to a person, with the signal named.",
        "human_approval": "A claims handler confirms every referral to special investigations "
        "and every fast-track payment above 2,500 USD; the assistant never declines coverage.",
        "source_systems": "Guidewire ClaimCenter and PolicyCenter, the ISO ClaimSearch database.",
        "acceptable_latency": "Within 60 seconds of the first notice of loss",
        "latency_after_pilot": "Within 30 seconds of the first notice of loss",
    },
    "Decision-support preparation": {
        "inputs": "The borrower's exposure snapshot, three years of financial statements, the "
        "covenant tests of the last four quarters, prior committee minutes and the analyst's "
        "notes.",
        "output_format": "A committee pack draft in the bank's template: summary, key ratios with "
        "their trend, covenant status, risks and mitigants, each figure footnoted to its source "
        "document and date.",
        "uncertainty_behavior": "Leaves a figure blank marked “not found in source” rather than "
        "estimating it, and flags any data older than 30 days.",
        "human_approval": "The credit analyst reviews and signs every pack; the recommendation "
        "section is written by the analyst, never drafted by the assistant.",
        "source_systems": "The credit risk data mart, the financial spreading tool, the committee "
        "document store.",
        "acceptable_latency": "A draft pack within 30 minutes of the request (runs in the "
        "background)",
        "latency_after_pilot": "A draft pack within 15 minutes of the request (runs in the "
        "background)",
    },
    "Customer email drafting": {
        "inputs": "The customer's email, the case history, the policy's wording and the library "
        "of approved response templates.",
        "output_format": "A reply draft of at most 200 words in the customer's language and the "
        "house tone, the template it follows, and the policy facts it cites.",
        "uncertainty_behavior": "Drafts a holding reply and tags the case for a specialist; it "
        "never promises a payment date, an amount or cover.",
        "human_approval": "An agent reviews, edits and sends every draft; complaints and any "
        "email mentioning a regulator or a lawyer need a team lead's approval.",
        "source_systems": "Salesforce Service Cloud, the policy administration system (read "
        "only), the template library.",
        "acceptable_latency": "A draft within 6 seconds of opening the email",
        "latency_after_pilot": "A draft within 4 seconds of opening the email",
    },
    "Supplier invoice matching": {
        "inputs": "The supplier invoice (PDF or e-invoice), its purchase order lines, the goods "
        "receipts and the supplier's master data.",
        "output_format": "Per invoice line: matched, price variance, quantity variance or no "
        "receipt, with the variance amount and a one-sentence explanation; a proposed posting "
        "for fully matched invoices.",
        "uncertainty_behavior": "A field read with low confidence or a line it cannot pair is "
        "marked for the clerk, and the invoice is held, not posted.",
        "human_approval": "A clerk approves any invoice with a variance above 2% or 500 EUR and "
        "every invoice from a new supplier before it is posted.",
        "source_systems": "SAP S/4HANA (purchasing and accounts payable), the Coupa supplier "
        "portal, the invoice capture service.",
        "acceptable_latency": "Within 2 minutes of the invoice arriving",
        "latency_after_pilot": "Within 1 minute of the invoice arriving",
    },
    "Contract clause review": {
        "inputs": "The supplier contract as uploaded to the contract system, the legal playbook's "
        "standard and fallback clauses, and the governing law of the contract.",
        "output_format": "Per clause: the playbook clause it maps to, the deviation (none, "
        "minor, material), a suggested fallback wording and the playbook section it comes "
        "from.",
        "uncertainty_behavior": "Marks the clause “counsel must read” with the reason, and "
        "never calls a clause acceptable under a governing law the playbook does not cover.",
        "human_approval": "Counsel approves every flag and every suggested redline; nothing is "
        "sent to the counterparty from the tool.",
        "source_systems": "Ironclad contract management, the legal playbook in SharePoint, the "
        "governing-law matrix.",
        "acceptable_latency": "A first pass within 10 minutes for a 40-page contract",
        "latency_after_pilot": "A first pass within 5 minutes for a 40-page contract",
    },
}


def first_version(name: str) -> dict[str, str]:
    """The fields of the use case's first spec version."""
    spec = DEMO_SPECS[name]
    return {field: spec[field] for field in SPEC_FIELDS}


def after_pilot(name: str) -> dict[str, str]:
    """The second version: the first with the latency the pilot made possible."""
    return {**first_version(name), "acceptable_latency": DEMO_SPECS[name]["latency_after_pilot"]}
