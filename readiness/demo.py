"""The ground floor's demo data: users of every role, the demo organization, its use cases in
every phase, their workstreams and integrations. ``seed_demo`` (portfolio app, the top floor)
runs these, then each app's own demo module. Every function is idempotent and writes through
the services, as a user would, so the demo's audit trail is real.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.utils import timezone

from readiness import discussion, services
from readiness.demo_specs import after_pilot, first_version
from readiness.models import (
    ChecklistItem,
    Comment,
    Integration,
    Membership,
    Organization,
    Phase,
    Role,
    UseCase,
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
        "ticked_criteria": 2,
    },
]

# Who owns what and by when, per demo use case. Every workstream, item and exit criterion is
# due at the end of its phase (readiness.facts.WORKSTREAM_PHASE); the program manager owns the
# workstreams, the reviewer governance, the admin instrumentation. "judgments": how many of a
# workstream's hand-ticked items are ticked (its items that follow records tick themselves when
# the other apps' demo data is recorded). "due": (workstream number, or 0 for an exit criterion
# of the current phase; item wording; days from today; owner's role or None), so that every
# use case in the plan has something due soon and something late for the reminders.
WS_OWNERS = {5: Role.GOVERNANCE_REVIEWER, 6: Role.ORG_ADMIN}
DEMO_WORK: dict[str, dict[str, Any]] = {
    "Documentation support": {
        "judgments": {1: 1},
        "due": [
            (4, "Where in the current workflow the AI appears is decided", 2, None),
            (0, "Evaluation criteria defined", 3, Role.ORG_ADMIN),
            (0, "Governance baseline established", -2, Role.GOVERNANCE_REVIEWER),
        ],
    },
    "Internal IT copilot": {
        "judgments": {1: 1, 4: 3},
        "due": [
            (3, "Event triggers: what starts the AI step is wired", -5, Role.ORG_ADMIN),
            (4, "Users can edit, approve or reject the output", 2, None),
            (0, "Launched to a limited user group", 1, None),
        ],
    },
    "Claims triage assistance": {
        "judgments": {1: 1, 4: 5},
        "due": [
            (0, "Support and incident process finalized", 2, Role.GOVERNANCE_REVIEWER),
        ],
    },
    "Decision-support preparation": {"judgments": {1: 1, 4: 5, 7: 1}, "due": []},
    "Customer email drafting": {"judgments": {1: 1, 4: 5, 7: 1}, "due": []},
    "Supplier invoice matching": {
        "judgments": {1: 1, 4: 1},
        "due": [
            (3, "Data mapping: fields from source systems mapped and cleaned", -3, Role.ORG_ADMIN),
            (4, "The action the AI helps complete is defined", 1, None),
        ],
    },
    "Contract clause review": {
        "judgments": {},
        "due": [(1, "Check the process is not the most politically sensitive one", -6, None)],
    },
}

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


def seed_users() -> dict[Role, User]:
    """The five demo users, one per role (password ``DEMO_PASSWORD``); created once."""
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


def seed_organization(users: dict[Role, User]) -> Organization:
    """The demo organization (slug ``demo``) with every demo user as a member."""
    org = Organization.objects.filter(slug="demo").first()
    admin = users[Role.ORG_ADMIN]
    if org is None:
        org = services.organization_create(user=admin, name="Demo Insurance Group", slug="demo")
    for role, user in users.items():
        Membership.objects.get_or_create(organization=org, user=user, defaults={"role": role})
    return org


def seed_use_case(
    org: Organization,
    users: dict[Role, User],
    spec: dict[str, Any],
    *,
    prepare_gate: Callable[..., None],
) -> UseCase:
    """One demo use case through the services, passed through its gates up to where ``spec``
    says it stands. ``prepare_gate(use_case=, users=, phase=)`` runs before each gate, so the
    apps whose checks guard it (governance sign-offs) can satisfy them first."""
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
    phases_passed = 3 if spec["phase"] == "production" else spec["phase"] - 1
    for number in range(1, phases_passed + 1):
        for item in ChecklistItem.objects.filter(phase__use_case=use_case, phase__number=number):
            services.checklist_item_set_done(actor=pm, item=item, done=True)
        prepare_gate(use_case=use_case, users=users, phase=number)
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
    first: dict[str, Any] = first_version(spec["name"])
    services.behavior_spec_save(actor=pm, use_case=use_case, change_note="First draft", **first)
    if spec["phase"] != 1:
        services.behavior_spec_save(
            actor=pm,
            use_case=use_case,
            change_note="Tightened latency after the pilot",
            **cast(dict[str, Any], after_pilot(spec["name"])),
        )
    use_case.refresh_from_db()
    _seed_workstreams(use_case, users)
    return use_case


def flag_late_workstreams(use_cases: list[UseCase], users: dict[Role, User]) -> None:
    """Flag at risk, with a note, the workstreams still open past their due date, once every
    app's demo records are in (their items follow those records). Only for the use cases this
    run created, so a flag someone cleared is not set again."""
    pm = users[Role.PROGRAM_MANAGER]
    today = timezone.localdate()
    late = Workstream.objects.filter(use_case__in=use_cases, due_date__lt=today).exclude(
        status="done"
    )
    for ws in late.select_related("use_case__organization", "owner").order_by("pk"):
        services.workstream_update(
            actor=pm,
            workstream=ws,
            status="at_risk",
            health="amber",
            notes="Past its date; escalated at the weekly review.",
        )


def seed_integrations(org: Organization, users: dict[Role, User]) -> None:
    """The systems of record of the demo use cases (the scale page's fourth question)."""
    pm = users[Role.PROGRAM_MANAGER]
    for name, rows in INTEGRATIONS.items():
        use_case = UseCase.objects.filter(organization=org, name=name).first()
        if use_case is None:
            continue
        for row in rows:
            if Integration.objects.filter(use_case=use_case, name=row["name"]).exists():
                continue
            services.integration_save(actor=pm, use_case=use_case, owner=pm, **row)


def _seed_workstreams(use_case: UseCase, users: dict[Role, User]) -> None:
    """Owners, the judgments ticked so far, and due dates: some due soon, some late."""
    pm = users[Role.PROGRAM_MANAGER]
    work = DEMO_WORK.get(use_case.name, {"judgments": {}, "due": []})
    today = timezone.localdate()
    for ws in Workstream.objects.filter(use_case=use_case).order_by("number"):
        judgments = list(ws.items.filter(fact="").order_by("position"))
        for item in judgments[: work["judgments"].get(ws.number, 0)]:
            services.checklist_item_set_done(actor=pm, item=item, done=True)
        owner = users.get(WS_OWNERS.get(ws.number, Role.PROGRAM_MANAGER), pm)
        services.workstream_update(actor=pm, workstream=ws, owner=owner)
    current = use_case.current_phase
    for number, text, days, role in work["due"]:
        where = (
            {"workstream__use_case": use_case, "workstream__number": number}
            if number
            else {"phase__use_case": use_case, "phase__number": current}
        )
        found = ChecklistItem.objects.filter(text=text, **where).first()
        if found is None or found.done:
            continue
        services.checklist_item_update(
            actor=pm,
            item=found,
            owner=users[role] if role else None,
            due_date=today + dt.timedelta(days=days),
        )


# (use case, item text or "" for the use case's own thread, [(author role, body, hours ago)])
DISCUSSIONS: list[tuple[str, str, list[tuple[Role, str, int]]]] = [
    (
        "Claims triage assistance",
        "",
        [
            (
                Role.EXECUTIVE,
                "@pm before we talk about scale: is the cut in handling time measured on all "
                "claims, or only on the pilot team's?",
                30,
            ),
            (
                Role.PROGRAM_MANAGER,
                "Only the pilot team's (the Midlands adjusters) for now. The second cohort starts "
                "in two weeks; I will post the comparison here.",
                27,
            ),
            (
                Role.EXECUTIVE,
                "@pm thanks. Add the escalation rate next to it, the incident on urgent claims "
                "worries the board more than the speed.",
                3,
            ),
        ],
    ),
]


def seed_discussions(org: Organization, users: dict[Role, User]) -> None:
    """A few threads, with mentions of the program manager, so the demo shows discussion on
    use cases and on home. Idempotent: a thread that has comments is left alone."""
    for name, item_text, messages in DISCUSSIONS:
        use_case = UseCase.objects.filter(organization=org, name=name).first()
        if use_case is None:
            continue
        target: Any = use_case
        if item_text:
            target = ChecklistItem.objects.filter(
                workstream__use_case=use_case, text=item_text
            ).first()
            if target is None:
                continue
        if discussion.thread(discussion.target_of_model(type(target)), target):
            continue
        now = timezone.now()
        for role, body, hours_ago in messages:
            comment = services.comment_add(actor=users[role], target=target, body=body)
            # Back-dated, so the thread reads as a conversation over days (demo only).
            Comment.objects.filter(pk=comment.pk).update(
                created_at=now - dt.timedelta(hours=hours_ago)
            )
