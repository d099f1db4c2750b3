"""The scale decision: an executive approves, declines or defers scaling a use case in production."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portfolio.models import ScaleDecision, ScaleOutcome
from portfolio.selectors import scale_blockers
from readiness import events
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record
from readiness.errors import Conflict, GateRefused
from readiness.models import Membership, Perm, Role, UseCase, UseCaseStatus, User
from readiness.notifications import notify

MIN_RATIONALE = 20
# Where each outcome leaves the use case: only an approval moves it.
STATUS_AFTER = {
    ScaleOutcome.APPROVED: UseCaseStatus.SCALED,
    ScaleOutcome.DECLINED: UseCaseStatus.PRODUCTION,
    ScaleOutcome.DEFERRED: UseCaseStatus.PRODUCTION,
}


def _clean(outcome: str, rationale: str, revisit_on: dt.date | None) -> str:
    errors: dict[str, str] = {}
    if outcome not in ScaleOutcome.values:
        errors["outcome"] = "Choose approve, decline or defer."
    rationale = (rationale or "").strip()
    if len(rationale) < MIN_RATIONALE:
        errors["rationale"] = (
            f"Write the rationale for this decision (at least {MIN_RATIONALE} characters): "
            "it goes in the audit trail with the evidence."
        )
    today = timezone.localdate()
    if outcome == ScaleOutcome.DEFERRED:
        if revisit_on is None:
            errors["revisit_on"] = "Give the date to take the decision up again."
        elif revisit_on <= today:
            errors["revisit_on"] = "The revisit date must be after today."
    elif revisit_on is not None and outcome in ScaleOutcome.values:
        errors["revisit_on"] = "A revisit date is only for a deferred decision; leave it empty."
    if errors:
        raise ValidationError(errors)
    return rationale


def scale_decide(
    *,
    actor: User,
    use_case: UseCase,
    outcome: str,
    rationale: str,
    revisit_on: dt.date | None = None,
) -> ScaleDecision:
    """Record an executive's scale decision and move the use case as it says.

    Only executives decide (PermissionDenied otherwise); bad input raises ValidationError by
    field; a use case not in production raises Conflict; one with a flagged answer or a scale
    gate blocker raises GateRefused with all of them, and that refusal is audited. On success
    the decision, its rationale and the evidence as it stood are audited in one transaction,
    approved use cases become scaled, a ``scale.decided`` event is emitted and the owner and
    program managers are notified.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.DECIDE_SCALE)
    rationale = _clean(outcome, rationale, revisit_on)
    try:
        # The decision's record is appended after the outbound event and the notifications.
        with transaction.atomic(), audit_at_end():
            # Lock the row alone, then read it and its owner as committed (issue 10: a lock
            # over the join re-reads only the locked row after a wait; the owner came back NULL).
            UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(
                pk=use_case.pk
            ).values_list("pk").first()
            locked = UseCase.objects.select_related("organization", "owner").get(pk=use_case.pk)
            if locked.status != UseCaseStatus.PRODUCTION:
                raise Conflict(
                    f"{locked.name} is {locked.get_status_display().lower()}: only a use case "
                    "in production can be decided on for scale."
                )
            blockers, evidence = scale_blockers(locked)
            if blockers:
                raise GateRefused("scale", blockers)
            return _record(actor, locked, outcome, rationale, revisit_on, evidence)
    except GateRefused as refused:
        with transaction.atomic():
            audit_record(
                actor=actor,
                organization=use_case.organization,
                action="scale.refused",
                target=use_case,
                use_case=use_case,
                after={
                    "outcome": outcome,
                    "blockers": [b.message for b in refused.blockers],
                },
            )
        raise


def _record(
    actor: User,
    use_case: UseCase,
    outcome: str,
    rationale: str,
    revisit_on: dt.date | None,
    evidence: dict[str, Any],
) -> ScaleDecision:
    before_status = use_case.status
    decision = ScaleDecision.objects.create(
        use_case=use_case,
        outcome=outcome,
        rationale=rationale,
        revisit_on=revisit_on if outcome == ScaleOutcome.DEFERRED else None,
        evidence=evidence,
        decided_by=actor,
    )
    new_status = STATUS_AFTER[ScaleOutcome(outcome)]
    if new_status != before_status:
        use_case.status = new_status
        use_case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        organization=use_case.organization,
        action="scale.decided",
        target=decision,
        use_case=use_case,
        before={"status": before_status},
        after={
            "outcome": outcome,
            "rationale": rationale,
            "revisit_on": decision.revisit_on,
            "status": use_case.status,
            "evidence": evidence,
        },
    )
    label = ScaleOutcome(outcome).label
    events.emit(
        organization=use_case.organization,
        event="scale.decided",
        payload={
            "use_case": {"id": use_case.pk, "name": use_case.name},
            "outcome": outcome,
            "rationale": rationale,
            "revisit_on": decision.revisit_on.isoformat() if decision.revisit_on else None,
            "status": use_case.status,
            "actor": actor.email,
            "score": evidence.get("score"),
        },
    )
    pms = [
        m.user
        for m in Membership.objects.filter(
            organization=use_case.organization, role=Role.PROGRAM_MANAGER
        ).select_related("user")
    ]
    verb = {
        ScaleOutcome.APPROVED: "approved scale for",
        ScaleOutcome.DECLINED: "declined scale for",
        ScaleOutcome.DEFERRED: "deferred the scale decision on",
    }[ScaleOutcome(outcome)]
    body = rationale
    if decision.revisit_on:
        body += f"\n\nTo be taken up again on {date_format(decision.revisit_on, 'j M Y')}."
    notify(
        organization=use_case.organization,
        use_case_id=use_case.pk,
        recipients=[use_case.owner, *pms],
        kind="scale.decided",
        title=f"{actor.display_name} {verb} {use_case.name} ({label.lower()})",
        body=body,
        url=reverse("usecase_scale", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}),
    )
    return decision
