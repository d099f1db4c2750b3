"""Fill the demo organization (slug ``demo``) with users of every role and use cases in every phase.

Safe to run twice: organizations, users and use cases are looked up by their natural keys
and only what is missing is created. Everything is written through the services, as a user
would, so the audit trail of the demo is real.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from readiness import demo, services
from readiness.demo import run_seeders
from readiness.errors import GateRefused
from readiness.models import (
    ChecklistItem,
    Integration,
    Membership,
    Organization,
    Phase,
    Role,
    ScaleDecision,
    UseCase,
    UseCaseStatus,
    User,
    Workstream,
)

DEMO_PASSWORD = "readiness-demo"  # noqa: S105  (published demo credential, see README)
DEMO_USERS = [
    ("admin@demo.example", "Avery", "Admin", Role.ORG_ADMIN),
    ("pm@demo.example", "Priya", "Manager", Role.PROGRAM_MANAGER),
    ("reviewer@demo.example", "Rafael", "Reviewer", Role.GOVERNANCE_REVIEWER),
    ("exec@demo.example", "Elena", "Executive", Role.EXECUTIVE),
    ("viewer@demo.example", "Victor", "Viewer", Role.VIEWER),
]

USE_CASES: list[dict[str, Any]] = [
    {
        "name": "Documentation support",
        "workflow": "Engineers ask how an internal platform works; the assistant drafts an answer "
        "from the runbooks and design docs, citing the pages it used.",
        "team": "Platform engineering",
        "target_outcome": "Halve the time to answer internal documentation questions",
        "risk_tier": "low",
        "days_ago": 12,
        "phase": 1,
        "scores": (5, 4, 3, 5, 5),
        "sensitive": False,
        "ticked_workstreams": {1: 6, 2: 4, 3: 1},
        "ticked_criteria": 3,
    },
    {
        "name": "Internal IT copilot",
        "workflow": "Service-desk agents get a suggested diagnosis and next step for each ticket, "
        "drawn from past resolutions and the knowledge base.",
        "team": "IT service desk",
        "target_outcome": "Resolve 20% more tickets at first contact",
        "risk_tier": "medium",
        "days_ago": 41,
        "phase": 2,
        "scores": (5, 4, 4, 5, 4),
        "sensitive": False,
        "ticked_workstreams": {1: 6, 2: 6, 3: 3, 4: 3, 5: 2, 6: 1},
        "ticked_criteria": 2,
    },
    {
        "name": "Claims triage assistance",
        "workflow": "Incoming insurance claims are classified by type and urgency and routed to "
        "the right adjuster queue, with the evidence for the classification shown.",
        "team": "Claims operations",
        "target_outcome": "Cut claim routing time from 2 days to 4 hours",
        "risk_tier": "high",
        "days_ago": 68,
        "phase": 3,
        "scores": (5, 5, 5, 4, 4),
        "sensitive": False,
        "ticked_workstreams": {1: 6, 2: 6, 3: 5, 4: 5, 5: 5, 6: 3, 7: 2},
        "ticked_criteria": 1,
    },
    {
        "name": "Decision-support preparation",
        "workflow": "Before the weekly credit committee, the assistant assembles each case file: "
        "financials, exposure, prior decisions and open questions, for the analyst to review.",
        "team": "Commercial credit",
        "target_outcome": "Prepare committee packs in one hour instead of one day",
        "risk_tier": "high",
        "days_ago": 104,
        "phase": "production",
        "scores": (4, 5, 4, 4, 4),
        "sensitive": False,
        "ticked_workstreams": {1: 6, 2: 6, 3: 5, 4: 5, 5: 6, 6: 4, 7: 5},
        "ticked_criteria": 0,
    },
    {
        "name": "Customer email drafting",
        "workflow": "Customer-service agents get a drafted reply to each inbound customer email, "
        "grounded in the policy wording and the customer's history, which they edit and send.",
        "team": "Customer service",
        "target_outcome": "Answer routine customer emails within 2 hours instead of a day",
        "risk_tier": "medium",
        "days_ago": 130,
        "phase": "production",
        "scores": (5, 4, 4, 4, 5),
        "sensitive": False,
        "ticked_workstreams": {n: 6 for n in range(1, 8)},
        "ticked_criteria": 0,
    },
    {
        "name": "Supplier invoice matching",
        "workflow": "Accounts-payable clerks get each supplier invoice matched to its purchase "
        "order and goods receipt, with mismatches explained line by line for them to resolve.",
        "team": "Finance operations",
        "target_outcome": "Clear 80% of invoices without manual matching",
        "risk_tier": "low",
        "days_ago": 24,
        "phase": 1,
        "scores": (5, 5, 4, 3, 5),
        "sensitive": False,
        "ticked_workstreams": {1: 6, 2: 5, 3: 2},
        "ticked_criteria": 99,  # every phase-1 exit criterion: ready for its next gate
    },
    {
        "name": "Contract clause review",
        "workflow": "Legal counsel gets a first-pass review of supplier contracts that flags "
        "clauses deviating from the playbook.",
        "team": "Legal",
        "target_outcome": "Review standard supplier contracts in one day instead of five",
        "risk_tier": "critical",
        "days_ago": 37,
        "phase": 1,
        "scores": (3, 3, 4, 3, 3),
        "sensitive": True,
        "ticked_workstreams": {1: 3, 2: 2},
        "ticked_criteria": 2,
    },
]

# Systems of record per demo use case (the scale page's fourth question).
_ALL_DONE = {
    "identity_access": "done",
    "data_mapping": "done",
    "event_triggers": "done",
    "api_reliability": "done",
    "logging_audit": "done",
}
INTEGRATIONS: dict[str, list[dict[str, Any]]] = {
    "Decision-support preparation": [
        {
            "name": "Credit risk data mart",
            "kind": "data",
            "status": "live",
            **_ALL_DONE,
            "notes": "Daily exposure snapshot read through a service account; read only.",
        },
        {
            "name": "Committee document store",
            "kind": "documents",
            "status": "live",
            **{**_ALL_DONE, "event_triggers": "not_applicable"},
            "notes": "Packs filed under the committee date; every write logged with the analyst.",
        },
    ],
    "Customer email drafting": [
        {
            "name": "Salesforce Service Cloud",
            "kind": "crm",
            "status": "live",
            **_ALL_DONE,
            "notes": "Drafts appear in the email composer; sent replies are tagged AI-assisted.",
        },
    ],
    "Claims triage assistance": [
        {
            "name": "Guidewire ClaimCenter",
            "kind": "ticketing",
            "status": "building",
            "identity_access": "done",
            "data_mapping": "done",
            "event_triggers": "in_progress",
            "api_reliability": "in_progress",
            "logging_audit": "not_started",
            "notes": "New-claim event triggers the triage; routing written back as a queue change.",
        },
    ],
    "Internal IT copilot": [
        {
            "name": "ServiceNow",
            "kind": "ticketing",
            "status": "building",
            "identity_access": "done",
            "data_mapping": "in_progress",
            "event_triggers": "blocked",
            "api_reliability": "not_started",
            "logging_audit": "not_started",
            "notes": "Waiting on the ServiceNow team for a webhook on ticket creation.",
        },
    ],
}
SCALED_USE_CASE = "Customer email drafting"

SPEC = {
    "inputs": "The question text, the asker's team, and the top 5 documents from the search index.",
    "output_format": "A short answer (max 150 words) followed by a list of cited documents with links.",
    "uncertainty_behavior": "Say it does not know, show the closest documents, and offer to route "
    "the question to the owning team's channel.",
    "human_approval": "Nothing is sent to other teams without the asker confirming.",
    "source_systems": "Confluence, the engineering handbook repository, the service catalogue.",
    "acceptable_latency": "Under 5 seconds for 95% of questions",
}


class Command(BaseCommand):
    help = "Create the demo organization (slug 'demo'), its users (password 'readiness-demo') and use cases."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's own activity (sign-offs, gates, incidents) notifies its demo users in the
        # app; their emails would only flood the console of `make run`, so they go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()

    def _seed(self) -> None:
        with transaction.atomic():
            users = self._users()
            org = self._organization(users)
        created = 0
        for spec in USE_CASES:
            if UseCase.objects.filter(organization=org, name=spec["name"]).exists():
                continue
            with transaction.atomic():
                self._use_case(org, users, spec)
            created += 1
        # Governance, metrics and the rest add their demo data through readiness.demo.
        run_seeders(organization=org, users=users, stdout=self.stdout)
        # The executive portfolio: integrations, then a past scale decision (it needs what
        # the seeders above recorded: sign-offs, metrics, a live cohort).
        self._integrations(org, users)
        self._scale_decisions(org, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organization '{org.slug}' ready: {len(users)} users, "
                f"{created} use case(s) created, {len(USE_CASES) - created} already there."
            )
        )

    def _users(self) -> dict[Role, User]:
        users: dict[Role, User] = {}
        for email, first, last, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
                )
                # Demo accounts sign in at once: mark their address verified for allauth.
                from allauth.account.models import EmailAddress

                EmailAddress.objects.get_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
            users[role] = user
        return users

    def _organization(self, users: dict[Role, User]) -> Organization:
        org = Organization.objects.filter(slug="demo").first()
        admin = users[Role.ORG_ADMIN]
        if org is None:
            org = services.organization_create(user=admin, name="Demo Insurance Group", slug="demo")
        for role, user in users.items():
            Membership.objects.get_or_create(organization=org, user=user, defaults={"role": role})
        return org

    def _use_case(self, org: Organization, users: dict[Role, User], spec: dict[str, Any]) -> None:
        pm = users[Role.PROGRAM_MANAGER]
        today = timezone.localdate()
        rep, hand, delay, lookup, review = spec["scores"]
        use_case = services.use_case_create(
            actor=pm,
            organization=org,
            name=spec["name"],
            workflow=spec["workflow"],
            team=spec["team"],
            owner=users[Role.PROGRAM_MANAGER] if spec["phase"] != 1 else None,
            target_outcome=spec["target_outcome"],
            risk_tier=spec["risk_tier"],
            start_date=today - dt.timedelta(days=spec["days_ago"]),
            repetition=rep,
            clear_handoffs=hand,
            cost_of_delay=delay,
            knowledge_lookup=lookup,
            reviewability=review,
            politically_sensitive=spec["sensitive"],
        )
        self._workstreams(use_case, users, spec)
        phases_passed = 3 if spec["phase"] == "production" else spec["phase"] - 1
        for number in range(1, phases_passed + 1):
            for item in ChecklistItem.objects.filter(
                phase__use_case=use_case, phase__number=number
            ):
                services.checklist_item_set_done(actor=pm, item=item, done=True)
            demo.prepare_gate(use_case=use_case, users=users, phase=number)
            services.phase_transition(actor=pm, use_case=use_case, expected_phase=number)
        if spec["ticked_criteria"] and spec["phase"] != "production":
            current = ChecklistItem.objects.filter(
                phase__use_case=use_case, phase__number=spec["phase"]
            )
            for item in current.order_by("position")[: spec["ticked_criteria"]]:
                services.checklist_item_set_done(actor=pm, item=item, done=True)
        # Transitions above happened "today"; date them as the plan says they happened.
        for phase in Phase.objects.filter(use_case=use_case, number__lte=phases_passed):
            phase.actual_end = phase.planned_end
            phase.save(update_fields=["actual_end"])
            Phase.objects.filter(use_case=use_case, number=phase.number + 1).update(
                actual_start=phase.planned_end + dt.timedelta(days=1)
            )
        services.behavior_spec_save(actor=pm, use_case=use_case, change_note="First draft", **SPEC)
        if spec["phase"] != 1:
            services.behavior_spec_save(
                actor=pm,
                use_case=use_case,
                change_note="Tightened latency after the pilot",
                **{**SPEC, "acceptable_latency": "Under 3 seconds for 95% of requests"},
            )

    def _integrations(self, org: Organization, users: dict[Role, User]) -> None:
        pm = users[Role.PROGRAM_MANAGER]
        for name, rows in INTEGRATIONS.items():
            use_case = UseCase.objects.filter(organization=org, name=name).first()
            if use_case is None:
                continue
            for row in rows:
                if Integration.objects.filter(use_case=use_case, name=row["name"]).exists():
                    continue
                services.integration_save(actor=pm, use_case=use_case, owner=pm, **row)

    def _scale_decisions(self, org: Organization, users: dict[Role, User]) -> None:
        """Scale ``SCALED_USE_CASE`` through the executive's decision, once."""
        executive = users[Role.EXECUTIVE]
        use_case = UseCase.objects.filter(organization=org, name=SCALED_USE_CASE).first()
        if use_case is None or ScaleDecision.objects.filter(use_case=use_case).exists():
            return
        if use_case.status != UseCaseStatus.PRODUCTION:
            return
        try:
            services.scale_decide(
                actor=executive,
                use_case=use_case,
                outcome="approved",
                rationale="Reply time fell from a day to under two hours for three months with "
                "no rise in complaints; the customer-service director owns the rollout budget.",
            )
        except GateRefused as refused:
            # Left in production, and said plainly: the demo still has every other verdict.
            self.stdout.write(
                self.style.WARNING(
                    f"{use_case.name} was not scaled: "
                    + "; ".join(b.message for b in refused.blockers)
                )
            )

    def _workstreams(
        self, use_case: UseCase, users: dict[Role, User], spec: dict[str, Any]
    ) -> None:
        pm, reviewer = users[Role.PROGRAM_MANAGER], users[Role.GOVERNANCE_REVIEWER]
        start = use_case.start_date
        for ws in Workstream.objects.filter(use_case=use_case).order_by("number"):
            ticked = spec["ticked_workstreams"].get(ws.number, 0)
            items = list(ws.items.order_by("position"))
            for item in items[:ticked]:
                services.checklist_item_set_done(actor=pm, item=item, done=True)
            done = ticked >= len(items)
            due = start + dt.timedelta(days=15 * ws.number)
            late = not done and due < timezone.localdate()
            services.workstream_update(
                actor=pm,
                workstream=ws,
                owner=reviewer if ws.number == 5 else pm,
                status=(
                    "done"
                    if done
                    else "at_risk"
                    if late
                    else "in_progress"
                    if ticked
                    else "not_started"
                ),
                health="green" if done else "amber" if late else "green",
                due_date=due,
                notes=""
                if not late
                else "Waiting on the source-system owners; escalated at the weekly review.",
            )
