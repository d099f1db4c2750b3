"""Gate transitions: a use case passes the gate in front of it, or is refused with every
blocker (:func:`phase_transition`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from readiness import events, gate, selectors
from readiness.access import WRITE, membership_of
from readiness.audit import audit_at_end, audit_record
from readiness.errors import Conflict, GateRefused
from readiness.models import AuditEvent, Perm, Phase, UseCase, UseCaseStatus, User
from readiness.notifications import notify
from readiness.services.use_cases import locked_use_case


def phase_transition(
    *, actor: User, use_case: UseCase, expected_phase: int | None = None
) -> UseCase:
    """Pass the gate in front of the use case: into its next phase, or out of the plan into production.

    Every registered check is asked; if any blocks, GateRefused lists them all and nothing
    changes (the refusal itself is audited). The use case row is locked for the decision, so
    of two concurrent requests only one moves it; with ``expected_phase`` (the API and the
    pages always send it) the loser, or a retry, gets Conflict saying who moved it where, and
    is neither audited nor notified as a refusal of the next gate.
    """
    membership_of(actor, use_case.organization_id, perm=WRITE)
    try:
        # The record of the move is appended after the notifications and outbound events.
        with transaction.atomic(), audit_at_end():
            locked = locked_use_case(use_case.pk)
            if expected_phase is not None and (
                locked.current_phase != expected_phase or not locked.is_in_plan
            ):
                raise Conflict(_moved_since(locked, expected_phase))
            target = gate.next_target(locked)
            if target is None:
                raise Conflict(
                    f"{locked.name} is {locked.get_status_display().lower()}; it has no next phase."
                )
            blockers = gate.evaluate(locked, target)
            if blockers:
                raise GateRefused(target.key, blockers)
            _advance(actor=actor, use_case=locked, target=target)
            events.publish(events.GatePassed(use_case=locked, actor=actor, target=target.key))
            _notify_gate_outcome(use_case=locked, actor=actor, target=target.key, blockers=[])
            events.emit(
                organization=locked.organization,
                event="gate.passed",
                payload={
                    "use_case": {"id": locked.pk, "name": locked.name},
                    "target": target.key,
                    "actor": actor.email,
                },
            )
            return locked
    except GateRefused as refused:
        with transaction.atomic(), audit_at_end():
            audit_record(
                actor=actor,
                organization=use_case.organization,
                action="gate.refused",
                target=use_case,
                use_case=use_case,
                after={"target": refused.target, "blockers": [b.message for b in refused.blockers]},
            )
            _notify_gate_outcome(
                use_case=use_case, actor=actor, target=refused.target, blockers=refused.blockers
            )
            events.emit(
                organization=use_case.organization,
                event="gate.refused",
                payload={
                    "use_case": {"id": use_case.pk, "name": use_case.name},
                    "target": refused.target,
                    "actor": actor.email,
                    "blockers": [b.message for b in refused.blockers],
                },
            )
        raise


def _moved_since(use_case: UseCase, expected_phase: int) -> str:
    """What the loser of a race (or a retry) is told: where the use case is now, and who moved
    it there when, from the last gate.passed record."""
    last = (
        AuditEvent.objects.filter(use_case=use_case, action="gate.passed")
        .order_by("-id")
        .values("actor_label", "created_at")
        .first()
    )
    by = ""
    if last is not None:
        when = timezone.localtime(last["created_at"]).strftime("%Y-%m-%d %H:%M")
        by = f" by {last['actor_label']} at {when}"
    if use_case.is_in_plan:
        where = f"phase {use_case.current_phase}"
    else:
        where = use_case.get_status_display().lower()
    if use_case.is_in_plan and use_case.current_phase < expected_phase:
        return (
            f"{use_case.name} is in phase {use_case.current_phase}, not {expected_phase}; "
            "reload to see its current state. Nothing was changed."
        )
    return (
        f"{use_case.name} was already moved to {where}{by}; nothing was changed. Reload to see "
        "its current state."
    )


def _advance(*, actor: User, use_case: UseCase, target: gate.Target) -> None:
    today = timezone.localdate()
    leaving = Phase.objects.select_for_update(no_key=True, of=("self",)).get(
        use_case=use_case, number=use_case.current_phase
    )
    leaving.actual_end = today
    leaving.save(update_fields=["actual_end"])
    before = {"phase": use_case.current_phase, "status": use_case.status}
    if target.key == "production":
        use_case.status = UseCaseStatus.PRODUCTION
    else:
        use_case.current_phase += 1
        use_case.status = UseCaseStatus.IN_TRANSITION
        Phase.objects.filter(use_case=use_case, number=use_case.current_phase).update(
            actual_start=today, version=F("version") + 1
        )
    use_case.save(update_fields=["current_phase", "status", "updated_at"])
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="gate.passed",
        target=use_case,
        use_case=use_case,
        before=before,
        after={"phase": use_case.current_phase, "status": use_case.status, "target": target.key},
    )


def _notify_gate_outcome(
    *, use_case: UseCase, actor: User, target: str, blockers: list[gate.Blocker]
) -> None:
    """Tell the people who act on it that a gate passed (no blockers) or was refused.

    Those who may sign off hear of both (a refusal usually waits on them); the use case's owner
    and creator hear too, and whoever asked for the move sees the answer on the page instead.
    """
    use_case = UseCase.objects.select_related("organization", "owner", "created_by").get(
        pk=use_case.pk
    )
    url = reverse("usecase_detail", kwargs={"org": use_case.organization.slug, "pk": use_case.pk})
    label = "production" if target == "production" else target.replace("phase:", "phase ")
    recipients = [
        u
        for u in [
            *selectors.members_who(use_case.organization, Perm.SIGN_OFF),
            use_case.owner,
            use_case.created_by,
        ]
        if u is not None and u.pk != actor.pk
    ]
    if not blockers:
        title = f"{use_case.name} passed the gate to {label}"
        body = f"{actor} moved {use_case.name} to {label}."
    else:
        title = f"{use_case.name}: gate to {label} refused ({len(blockers)} blockers)"
        body = "What keeps the gate shut:\n" + "\n".join(f"- {b.message}" for b in blockers)
    notify(
        organization=use_case.organization,
        use_case_id=use_case.pk,
        recipients=recipients,
        kind="gate.refused" if blockers else "gate.passed",
        title=title,
        body=body,
        url=url,
    )
