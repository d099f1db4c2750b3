"""Adoption's part of ``seed_demo``: cohorts, training, usage boundaries, eight weeks of
feedback and an iteration log for the demo's production use case, and a planned cohort for the
one in phase 3.

Idempotent: each piece is looked up by its natural key and only what is missing is written,
through the services (so the demo's audit trail is real).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from adoption import services
from adoption.calc import week_start
from adoption.models import Cohort, IterationEntry, TrainingRecord, UsageBoundary
from readiness.models import Organization, Role, UseCase, User

LIVE_USE_CASE = "Decision-support preparation"
# Scaled by the demo executive (readiness seed_demo): scale needs a live cohort, trained.
SCALED_USE_CASE = "Customer email drafting"
PLANNED_USE_CASE = "Claims triage assistance"

BOUNDARIES_V1 = (
    "Use the assistant to assemble the committee pack: financials, exposure, prior decisions "
    "and open questions.\n"
    "Do not use it to recommend a credit decision or a limit.\n"
    "Check every figure against the source system before the pack is circulated.\n"
    "Do not paste customer data into any other AI tool."
)
BOUNDARIES_V2 = (
    "Use the assistant to assemble the committee pack: financials, exposure, prior decisions "
    "and open questions.\n"
    "Do not use it to recommend a credit decision, a limit or a pricing margin.\n"
    "Check every figure against the source system before the pack is circulated; the analyst "
    "signs the pack, not the assistant.\n"
    "Flag any section the assistant marked as uncertain in the pack's cover note.\n"
    "Do not paste customer data into any other AI tool."
)
ITERATIONS = [
    (
        5,
        "Exposure table now pulls limits from the core banking system instead of the "
        "spreadsheet export.",
        "Analysts found three stale limits in the first week's packs.",
        "No stale limits reported since; analysts stopped re-keying the table.",
    ),
    (
        18,
        "Uncertain sections are highlighted in amber with the source the assistant could not find.",
        "Trust scores dipped to 3.1 in week 2: analysts could not tell which parts to check.",
        "Trust rose to 3.9 within two weeks.",
    ),
    (
        41,
        "Usage boundaries v2: no pricing margins, and the analyst signs the pack.",
        "A draft pack suggested a margin; the committee chair asked for a clear rule.",
        "",
    ),
]
# Eight past weeks of (usefulness, trust, minutes saved) per member, oldest first.
SCORES = [
    (3, 3, 60),
    (3, 3, 75),
    (4, 3, 90),
    (4, 4, 110),
    (4, 4, 120),
    (5, 4, 130),
    (4, 4, 140),
    (5, 5, 150),
]


def seed(*, organization: Organization, users: dict[Role, User], stdout: Any = None) -> None:
    pm, admin = users[Role.PROGRAM_MANAGER], users[Role.ORG_ADMIN]
    today = timezone.localdate()
    live_uc = UseCase.objects.filter(organization=organization, name=LIVE_USE_CASE).first()
    if live_uc is not None:
        with transaction.atomic():
            _boundaries(live_uc, pm, [BOUNDARIES_V1, BOUNDARIES_V2], today)
        members = [users[Role.VIEWER], users[Role.GOVERNANCE_REVIEWER], users[Role.EXECUTIVE]]
        go_live = week_start(today) - dt.timedelta(weeks=9)
        with transaction.atomic():
            live = _cohort(
                live_uc,
                pm,
                "Credit analysts, wave 1",
                "Commercial credit (London)",
                12,
                go_live - dt.timedelta(days=3),
                [pm],
                members,
            )
            _train(live_uc, pm, live, [pm, *members], go_live - dt.timedelta(days=10))
            if not live.is_live:
                services.cohort_go_live(actor=pm, cohort=live, on=go_live)
                live.refresh_from_db()
        _feedback(live, members, today)
        with transaction.atomic():
            _cohort(
                live_uc,
                pm,
                "Credit analysts, wave 2",
                "Commercial credit (Frankfurt)",
                18,
                today + dt.timedelta(days=14),
                [admin],
                [users[Role.VIEWER]],
            )
            _iterations(live_uc, pm, go_live)
    scaled_uc = UseCase.objects.filter(organization=organization, name=SCALED_USE_CASE).first()
    if scaled_uc is not None:
        go_live = week_start(today) - dt.timedelta(weeks=12)
        with transaction.atomic():
            _boundaries(
                scaled_uc,
                pm,
                [
                    "Use the drafted reply as a starting point; the agent reads, edits and sends "
                    "it.\nNever send a draft that promises a refund, a payout or a date the "
                    "policy does not state.\nReport a wrong or unkind draft with the feedback "
                    "button."
                ],
                today,
            )
            cohort = _cohort(
                scaled_uc,
                pm,
                "Customer service, first team",
                "Customer service (Leeds)",
                15,
                go_live - dt.timedelta(days=3),
                [pm],
                [users[Role.VIEWER]],
            )
            _train(scaled_uc, pm, cohort, [pm, users[Role.VIEWER]], go_live - dt.timedelta(days=10))
            if not cohort.is_live:
                services.cohort_go_live(actor=pm, cohort=cohort, on=go_live)
    planned_uc = UseCase.objects.filter(organization=organization, name=PLANNED_USE_CASE).first()
    if planned_uc is not None:
        with transaction.atomic():
            _boundaries(
                planned_uc,
                pm,
                [
                    "Use the suggested claim type and urgency as a starting point; the handler "
                    "confirms both before routing.\nNever close or deny a claim on the assistant's "
                    "word.\nReport a wrong routing with the feedback button in the claim screen."
                ],
                today,
            )
            _cohort(
                planned_uc,
                pm,
                "Motor claims pilot team",
                "Claims operations (motor)",
                9,
                today + dt.timedelta(days=21),
                [pm],
                [users[Role.VIEWER]],
            )
    if stdout is not None:
        stdout.write("Adoption: cohorts, training, usage boundaries, feedback and iteration log.")


def _boundaries(use_case: UseCase, pm: User, bodies: list[str], today: dt.date) -> None:
    have = UsageBoundary.objects.filter(use_case=use_case).count()
    for version, body in enumerate(bodies, start=1):
        if version <= have:
            continue
        services.usage_boundary_publish(
            actor=pm,
            use_case=use_case,
            body=body,
            change_note="First published version"
            if version == 1
            else "Pricing margins and sign-off",
        )


def _cohort(
    use_case: UseCase,
    pm: User,
    name: str,
    team: str,
    size: int,
    planned: dt.date,
    managers: list[User],
    members: list[User],
) -> Cohort:
    cohort = Cohort.objects.filter(use_case=use_case, name=name).first()
    if cohort is not None:
        return cohort
    return services.cohort_create(
        actor=pm,
        use_case=use_case,
        name=name,
        team=team,
        size=size,
        planned_go_live=planned,
        managers=managers,
        members=members,
    )


def _train(use_case: UseCase, pm: User, cohort: Cohort, people: list[User], on: dt.date) -> None:
    topic = "Reviewing AI-prepared committee packs"
    for person in people:
        if not TrainingRecord.objects.filter(use_case=use_case, user=person, topic=topic).exists():
            services.training_record_add(
                actor=pm,
                use_case=use_case,
                user=person,
                topic=topic,
                completed_on=on,
                cohort=cohort,
            )


def _feedback(cohort: Cohort, members: list[User], today: dt.date) -> None:
    """Eight past weeks (not the current one: the demo users still have this week to answer)."""
    this_week = week_start(today)
    for i, (useful, trust, minutes) in enumerate(SCORES):
        day = this_week - dt.timedelta(weeks=len(SCORES) - i) + dt.timedelta(days=2)
        for j, member in enumerate(members):
            if cohort.feedback.filter(user=member, week=week_start(day)).exists():
                continue
            services.feedback_submit(
                actor=member,
                cohort=cohort,
                usefulness=max(1, min(5, useful - (j == 2))),
                trust=max(1, min(5, trust - (i == 1) + (j == 1 and i > 3))),
                minutes_saved=minutes + 15 * j,
                comment="The exposure table was wrong again." if (i, j) == (0, 0) else "",
                today=day,
            )


def _iterations(use_case: UseCase, pm: User, go_live: dt.date) -> None:
    for days_after, change, reason, outcome in ITERATIONS:
        if IterationEntry.objects.filter(use_case=use_case, change=change).exists():
            continue
        services.iteration_entry_add(
            actor=pm,
            use_case=use_case,
            happened_on=go_live + dt.timedelta(days=days_after),
            change=change,
            reason=reason,
            outcome=outcome,
        )
