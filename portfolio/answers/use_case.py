"""The use case's own part of the six answers: the workflow, the owner, what the behavior spec
sends to a person, and the integrations (two queries for any number of use cases).

Each answer is flagged when it is missing or too vague to act on, with the fix in its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

from portfolio.answers import Answer, Evidence
from readiness import selectors
from readiness.links import org_pk_url
from readiness.models import (
    BehaviorSpecVersion,
    Integration,
    IntegrationStatus,
    UseCase,
)

SOURCE = "readiness"
# Fewer words than this does not say what changes for whom: "triage" is a topic, not a workflow.
MIN_WORKFLOW_WORDS = 8
MIN_APPROVAL_WORDS = 4


def _url(name: str, use_case: UseCase) -> str:
    return org_pk_url(name, use_case.organization.slug, use_case.pk)


def _workflow(use_case: UseCase) -> Answer:
    text = use_case.workflow.strip()
    evidence = (Evidence("Use case definition", _url("usecase_detail", use_case)),)
    if len(text.split()) < MIN_WORKFLOW_WORDS:
        return Answer(
            question="workflow",
            text=text or "No workflow described.",
            source=SOURCE,
            flagged=True,
            reason=(
                "The workflow is too vague: say who does what, on which input, and what the "
                "AI changes in it (edit the use case)."
            ),
            evidence=evidence,
        )
    return Answer(question="workflow", text=text, source=SOURCE, evidence=evidence)


def _owner(use_case: UseCase) -> Answer:
    evidence = (Evidence("Use case definition", _url("usecase_detail", use_case)),)
    owner = use_case.owner
    if owner is None:
        return Answer(
            question="owner",
            text="No owner is named.",
            source=SOURCE,
            flagged=True,
            reason="Name the person who owns the product after implementation (edit the use case).",
            evidence=evidence,
        )
    return Answer(
        question="owner",
        text=f"{owner.display_name} ({owner.email}) owns it after implementation, for the "
        f"{use_case.team} team.",
        source=SOURCE,
        evidence=evidence,
    )


def _review_model(use_case: UseCase, spec: BehaviorSpecVersion | None) -> Answer:
    evidence = (Evidence("Production behavior spec", _url("usecase_spec", use_case)),)
    if spec is None:
        return Answer(
            question="review_model",
            text="No production behavior spec is written.",
            source=SOURCE,
            flagged=True,
            reason="Write the behavior spec, saying what requires human approval.",
            evidence=evidence,
        )
    approval = spec.human_approval.strip()
    if len(approval.split()) < MIN_APPROVAL_WORDS:
        return Answer(
            question="review_model",
            text=approval or "The spec does not say what needs human approval.",
            source=SOURCE,
            flagged=True,
            reason="Say in the behavior spec which outputs a person must approve before use.",
            evidence=evidence,
        )
    text = f"Human approval (spec v{spec.version}): {approval}"
    uncertain = spec.uncertainty_behavior.strip()
    if uncertain:
        text += f" When uncertain: {uncertain}"
    return Answer(question="review_model", text=text, source=SOURCE, evidence=evidence)


def _integrations(use_case: UseCase, integrations: list[Integration]) -> Answer:
    evidence = (Evidence("Integrations", _url("usecase_integrations", use_case)),)
    live = [i for i in integrations if i.status == IntegrationStatus.LIVE]
    if not integrations:
        return Answer(
            question="integrations",
            text="No system of record is recorded.",
            source=SOURCE,
            flagged=True,
            reason="Record the systems of record it connects to and their five integration "
            "concerns.",
            evidence=evidence,
        )
    listed = "; ".join(f"{i.name} ({i.get_status_display().lower()})" for i in integrations)
    if not live:
        return Answer(
            question="integrations",
            text=listed,
            source=SOURCE,
            flagged=True,
            reason="No integration is live yet: a pilot that runs beside the systems of record "
            "does not change the workflow.",
            evidence=evidence,
        )
    return Answer(
        question="integrations",
        text=f"Live with {len(live)} of {len(integrations)} system(s): {listed}.",
        source=SOURCE,
        evidence=evidence,
    )


def answers_many(use_cases: Sequence[UseCase]) -> dict[int, list[Answer]]:
    """The four answers per use case; two queries (specs, integrations) whatever the number.

    Use cases should come with ``organization`` and ``owner`` loaded (select_related)."""
    ids = [uc.pk for uc in use_cases]
    latest = selectors.latest_specs_many(ids)
    integrations = selectors.integrations_many(ids)
    return {
        uc.pk: [
            _workflow(uc),
            _review_model(uc, latest.get(uc.pk)),
            _integrations(uc, integrations.get(uc.pk, [])),
            _owner(uc),
        ]
        for uc in use_cases
    }
