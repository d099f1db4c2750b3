"""Applying checklist templates to use cases, and flagging passed gates for re-review."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance.models import (
    Checklist,
    ChecklistTemplate,
    GovernanceItem,
    ItemStatus,
    ReReview,
)
from governance.selectors import default_template_for, passed_gate_phases, reviewers_of
from governance.workstream_facts import facts_push
from readiness import events
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record
from readiness.models import Perm, UseCase, User
from readiness.notifications import notify


def _copy(use_case: UseCase, template: ChecklistTemplate, actor: User | None) -> Checklist:
    checklist = Checklist.objects.create(
        use_case=use_case, template=template, name=template.name, applied_by=actor
    )
    template_items = list(
        template.items.prefetch_related("controls").order_by("gate_phase", "position", "id")
    )
    items = GovernanceItem.objects.bulk_create(
        GovernanceItem(
            checklist=checklist,
            area=t.area,
            title=t.title,
            guidance=t.guidance,
            gate_phase=t.gate_phase,
            required=t.required,
            position=t.position,
        )
        for t in template_items
    )
    Through = GovernanceItem.controls.through
    Through.objects.bulk_create(
        Through(governanceitem_id=item.pk, frameworkcontrol_id=control.pk)
        for item, t in zip(items, template_items, strict=True)
        for control in t.controls.all()
    )
    audit_record(
        actor=actor or "system",
        organization=use_case.organization,
        action="governance.checklist_apply",
        target=checklist,
        use_case=use_case,
        after={"template": template.name, "items": len(items)},
    )
    facts_push(use_case=use_case, actor=actor)
    return checklist


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def checklist_apply(*, actor: User, use_case: UseCase, template: ChecklistTemplate) -> Checklist:
    """Copy the template's items onto the use case as a new checklist.

    The copy is independent: later edits to the template never reach it. Raises ValidationError
    if the template belongs to another organization or is already applied to this use case.
    """
    membership_of(actor, use_case.organization_id, perm=Perm.GOVERN)
    if template.organization_id not in (None, use_case.organization_id):
        raise ValidationError({"template": "Choose one of this organization's templates."})
    UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(pk=use_case.pk).values_list(
        "pk"
    ).first()
    if Checklist.objects.filter(use_case=use_case, name=template.name).exists():
        raise ValidationError(
            {"template": f"“{template.name}” is already applied to {use_case.name}."}
        )
    if not template.items.exists():
        raise ValidationError({"template": "This template has no items yet."})
    return _copy(use_case, template, actor)


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def checklist_ensure(*, use_case: UseCase, actor: User | None = None) -> Checklist | None:
    """Give a use case without any checklist the organization's default template.

    Idempotent and safe under concurrency (the use case row is locked while deciding): running
    it on a use case that has a checklist does nothing and returns None. Any member may trigger
    it (it happens when the governance page is first opened); the audit names them, or "system".
    """
    UseCase.objects.select_for_update(no_key=True, of=("self",)).filter(pk=use_case.pk).values_list(
        "pk"
    ).first()
    if Checklist.objects.filter(use_case=use_case).exists():
        return None
    template = default_template_for(use_case.organization_id)
    if template is None or not template.items.exists():
        return None
    return _copy(use_case, template, actor)


@transaction.atomic
@audit_at_end()  # the reviewers are notified, then the record is appended
def gate_rereview(*, use_case: UseCase, actor: Any, kind: str, description: str) -> ReReview | None:
    """A material change after a gate passed: every approved item of the passed gates goes back
    to review, and the reviewers are told what changed. Nothing happens (None) when no gate
    has passed or none of its items is approved.

    Follows readiness's material-change events; governance's own services announce model and
    provider changes and high-severity incidents through the same event.
    """
    # The caller's instance may be stale (a transition elsewhere moved the use case on).
    use_case = UseCase.objects.select_related("organization").get(pk=use_case.pk)
    phases = passed_gate_phases(use_case)
    if not phases:
        return None
    items = list(
        GovernanceItem.objects.select_for_update(no_key=True, of=("self",))
        .filter(checklist__use_case=use_case, gate_phase__in=phases, status=ItemStatus.APPROVED)
        .order_by("pk")
    )
    if not items:
        return None
    now = timezone.now()
    note = f"Re-review: {description}"[:300]
    for item in items:
        item.status = ItemStatus.SUBMITTED
        item.submitted_at = now
        item.review_note = note
        item.save(update_fields=["status", "submitted_at", "review_note", "updated_at"])
    flagged = sorted({i.gate_phase for i in items})
    rereview = ReReview.objects.create(
        use_case=use_case,
        kind=kind[:32],
        description=description[:400],
        gate_phases=flagged,
        item_count=len(items),
        raised_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor or "system",
        organization=use_case.organization,
        action="governance.rereview",
        target=rereview,
        use_case=use_case,
        after={
            "kind": kind,
            "description": description,
            "gates": flagged,
            "items": [i.title for i in items],
        },
    )
    facts_push(use_case=use_case, actor=actor)
    url = reverse(
        "governance_usecase", kwargs={"org": use_case.organization.slug, "pk": use_case.pk}
    )
    gates = ", ".join(f"phase {p}" for p in flagged)
    notify(
        organization=use_case.organization,
        use_case_id=use_case.pk,
        recipients=reviewers_of(use_case.organization),
        kind="governance.rereview",
        title=f"{use_case.name}: passed gate needs re-review",
        body=(
            f"What changed: {description}\n\nThe gate of {gates} was passed before this change; "
            f"{len(items)} approved item(s) went back to review:\n"
            + "\n".join(f"- {i.title}" for i in items)
        ),
        url=url,
    )
    return rereview


def on_material_change(event: events.MaterialChange) -> None:
    """Subscribed to readiness's material changes (runs inside the changing transaction)."""
    gate_rereview(
        use_case=event.use_case, actor=event.actor, kind=event.kind, description=event.description
    )


def on_use_case_created(event: events.UseCaseCreated) -> None:
    """Subscribed to readiness's use case creation: it gets the organization's default checklist."""
    checklist_ensure(use_case=event.use_case, actor=event.actor)
