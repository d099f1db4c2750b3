"""Checklist items: evidence in, sign-offs out, and everything that sends an item back to review.

Item states: open -> submitted (evidence added) -> approved | rejected; rejected -> submitted
(new evidence); approved -> submitted (evidence changed, expired, or a material change);
any -> not applicable (with a reason, by a reviewer) -> open (reopened).
Every write locks the item row, so two concurrent decisions on one item never both succeed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from governance import uploads
from governance.models import (
    Decision,
    Evidence,
    EvidenceKind,
    GovernanceItem,
    ItemStatus,
    SignOff,
)
from governance.selectors import is_member, reviewers_of
from governance.workstream_facts import facts_push
from readiness import events
from readiness.access import membership_of
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.errors import Conflict
from readiness.models import Perm, User
from readiness.notifications import notify
from readiness.versioning import check_version


def _lock(item: GovernanceItem) -> GovernanceItem:
    """The item, locked, then read with its relations once the lock is granted: locking over
    the join would hand back the related rows as they were before the wait (a NULL reviewer
    in the audit's ``before``, issue 10)."""
    GovernanceItem.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk=item.pk
    ).values_list("pk").first()
    return GovernanceItem.objects.select_related(
        "checklist__use_case__organization", "decided_by", "assigned_reviewer"
    ).get(pk=item.pk)


def _current_evidence(item: GovernanceItem, today: dt.date | None = None) -> list[Evidence]:
    today = today or timezone.localdate()
    return [
        e
        for e in item.evidence.select_related("submitted_by").order_by("-submitted_at", "-id")
        if e.is_current(today)
    ]


def _item_url(item: GovernanceItem) -> str:
    use_case = item.checklist.use_case
    return reverse("governance_item", kwargs={"org": use_case.organization.slug, "pk": item.pk})


def _audit(actor: Any, item: GovernanceItem, action: str, **kw: Any) -> None:
    use_case = item.checklist.use_case
    audit_record(
        actor=actor or "system",
        organization=use_case.organization,
        action=action,
        target=item,
        use_case=use_case,
        **kw,
    )


# --- Evidence ---------------------------------------------------------------------------------


@transaction.atomic
@audit_at_end()  # the reviewers are notified, then the record is appended
def evidence_submit(
    *,
    actor: User,
    item: GovernanceItem,
    kind: str,
    text: str = "",
    url: str = "",
    upload: UploadedFile | None = None,
    effective_date: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> Evidence:
    """Add one piece of evidence and send the item to review.

    Text, link or file (size and type checked, see :mod:`governance.uploads`); the content hash
    is stored so an auditor can tell what was signed. Adding evidence to an approved item sends
    it back to review. Raises ValidationError by field; nothing is saved on error.
    """
    organization_id = item.checklist.use_case.organization_id
    membership_of(actor, organization_id, perm=Perm.EDIT)
    today = timezone.localdate()
    effective_date = effective_date or today
    errors: dict[str, str] = {}
    evidence = Evidence(
        kind=kind,
        effective_date=effective_date,
        expires_on=expires_on,
        submitted_by=actor,
    )
    if kind == EvidenceKind.TEXT:
        evidence.text = (text or "").strip()
        if not evidence.text:
            errors["text"] = "Write the evidence, or choose another kind."
        evidence.sha256 = uploads.sha256_text(evidence.text)
    elif kind == EvidenceKind.LINK:
        evidence.url = (url or "").strip()
        try:
            URLValidator(schemes=["http", "https"])(evidence.url)
        except ValidationError:
            errors["url"] = "Enter a full http(s) address."
        evidence.text = (text or "").strip()
        evidence.sha256 = uploads.sha256_text(evidence.url)
    elif kind == EvidenceKind.FILE:
        if upload is None:
            errors["file"] = "Choose a file to upload."
        else:
            head = upload.read(2048)
            upload.seek(0)
            try:
                evidence.content_type = uploads.check_upload(
                    upload.name or "", upload.size or 0, head
                )
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
            evidence.filename = (upload.name or "evidence").rsplit("/", 1)[-1][:200]
            evidence.size = upload.size or 0
            evidence.text = (text or "").strip()
    else:
        errors["kind"] = "Choose text, link or file."
    if expires_on is not None and expires_on < effective_date:
        errors["expires_on"] = "The expiry must be on or after the effective date."
    elif expires_on is not None and expires_on < today:
        errors["expires_on"] = "This evidence has already expired."
    if errors:
        raise ValidationError(errors)

    item = _lock(item)
    if item.status == ItemStatus.NOT_APPLICABLE:
        raise ValidationError(
            "This item is marked not applicable; a reviewer must reopen it first."
        )
    if kind == EvidenceKind.FILE:
        assert upload is not None
        evidence.sha256 = uploads.sha256_file(upload)
        evidence.file.save(evidence.filename, upload, save=False)
    evidence.item = item
    try:
        evidence.save()
    except BaseException:
        # Do not leave an orphan file behind a failed save.
        if evidence.file:
            evidence.file.storage.delete(evidence.file.name)
        raise
    before = item.status
    item.status = ItemStatus.SUBMITTED
    item.submitted_at = timezone.now()
    item.review_note = "Evidence changed after approval." if before == ItemStatus.APPROVED else ""
    item.save(update_fields=["status", "submitted_at", "review_note", "updated_at"])
    _audit(
        actor,
        item,
        "governance.evidence_submit",
        before={"status": before},
        after={"status": item.status, "evidence": evidence.as_signed()},
    )
    use_case = item.checklist.use_case
    facts_push(use_case=use_case, actor=actor)
    recipients = (
        [item.assigned_reviewer]
        if item.assigned_reviewer_id
        else list(reviewers_of(use_case.organization))
    )
    notify(
        organization=use_case.organization,
        use_case_id=use_case.pk,
        recipients=[r for r in recipients if r is not None and r.pk != actor.pk],
        kind="governance.item_submitted",
        title=f"{use_case.name}: “{item.title}” awaits your review",
        body=(
            f"{actor.display_name} submitted {evidence.get_kind_display().lower()} evidence "
            f"for “{item.title}” (phase {item.gate_phase} gate of {use_case.name})."
            + ("\nIt was approved before; the evidence changed." if before == "approved" else "")
        ),
        url=_item_url(item),
    )
    return evidence


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def evidence_withdraw(*, actor: User, evidence: Evidence) -> Evidence:
    """Withdraw evidence (it stays on record, marked withdrawn). An approved item whose
    evidence changes goes back to review; with no current evidence left it is open again."""
    item = evidence.item
    membership_of(actor, item.checklist.use_case.organization_id, perm=Perm.EDIT)
    item = _lock(item)
    evidence = Evidence.objects.select_for_update(no_key=True, of=("self",)).get(pk=evidence.pk)
    if evidence.withdrawn_at is not None:
        return evidence
    evidence.withdrawn_at = timezone.now()
    evidence.save(update_fields=["withdrawn_at"])
    before = item.status
    _after_evidence_change(item, f"Evidence withdrawn: {evidence}")
    _audit(
        actor,
        item,
        "governance.evidence_withdraw",
        before={"status": before},
        after={"status": item.status, "evidence": evidence.as_signed()},
    )
    facts_push(use_case=item.checklist.use_case, actor=actor)
    return evidence


def _after_evidence_change(item: GovernanceItem, note: str, today: dt.date | None = None) -> None:
    """An approved or pending item whose evidence changed: back to review, or open if none left."""
    if item.status not in (ItemStatus.APPROVED, ItemStatus.SUBMITTED):
        return
    has_current = bool(_current_evidence(item, today))
    new = ItemStatus.SUBMITTED if has_current else ItemStatus.OPEN
    if new == item.status and new == ItemStatus.SUBMITTED:
        return
    item.status = new
    item.submitted_at = timezone.now() if has_current else None
    item.review_note = note[:300]
    item.save(update_fields=["status", "submitted_at", "review_note", "updated_at"])


# --- Decisions --------------------------------------------------------------------------------


@transaction.atomic
@audit_at_end()  # the outbound event and notifications are written, then the record
def item_sign_off(*, actor: User, item: GovernanceItem, decision: str, comment: str) -> SignOff:
    """Approve or reject an item awaiting review, with a comment.

    Only reviewers (and org admins where allowed). A reviewer cannot sign off evidence they
    submitted themselves (PermissionDenied). The item row is locked: of two concurrent
    sign-offs one wins and the other gets Conflict. The sign-off and its audit record keep the
    evidence exactly as it stood (ids, hashes, text and links).
    """
    organization_id = item.checklist.use_case.organization_id
    membership_of(actor, organization_id, perm=Perm.SIGN_OFF)
    comment = (comment or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose approve or reject."})
    if not comment:
        raise ValidationError({"comment": "Say why: the comment is part of the record."})
    item = _lock(item)
    if item.status != ItemStatus.SUBMITTED:
        who = f" by {item.decided_by.display_name}" if item.decided_by else ""
        raise Conflict(
            f"“{item.title}” is no longer awaiting review: it is "
            f"{item.get_status_display().lower()}{who if item.status in ('approved', 'rejected') else ''}. "
            "Reload to see its current state."
        )
    evidence = _current_evidence(item)
    if not evidence:
        raise ValidationError("There is no current evidence to sign off; reject it or wait.")
    if any(e.submitted_by_id == actor.pk for e in evidence):
        raise PermissionDenied(
            "You submitted evidence on this item; another reviewer must sign it off."
        )
    signed = [e.as_signed() for e in evidence]
    sign_off = SignOff.objects.create(
        item=item, reviewer=actor, decision=decision, comment=comment, evidence=signed
    )
    before = item.status
    item.status = ItemStatus.APPROVED if decision == Decision.APPROVED else ItemStatus.REJECTED
    item.decided_by = actor
    item.decided_at = sign_off.created_at
    item.review_note = ""
    item.save(update_fields=["status", "decided_by", "decided_at", "review_note", "updated_at"])
    _audit(
        actor,
        item,
        f"governance.sign_off.{decision}",
        before={"status": before},
        after={"status": item.status, "comment": comment, "evidence": signed},
    )
    use_case = item.checklist.use_case
    facts_push(use_case=use_case, actor=actor)
    events.emit(
        organization=use_case.organization,
        event="signoff.recorded",
        payload={
            "use_case": {"id": use_case.pk, "name": use_case.name},
            "item": {"id": item.pk, "title": item.title},
            "decision": decision,
            "comment": comment,
            "actor": actor.email,
        },
    )
    submitters = {e.submitted_by for e in evidence if e.submitted_by is not None}
    if decision == Decision.REJECTED:
        notify(
            organization=use_case.organization,
            use_case_id=use_case.pk,
            recipients=submitters,
            kind="governance.item_rejected",
            title=f"{use_case.name}: “{item.title}” was rejected",
            body=f"{actor.display_name} rejected the evidence: {comment}",
            url=_item_url(item),
        )
    else:
        notify(
            organization=use_case.organization,
            use_case_id=use_case.pk,
            recipients=submitters,
            kind="governance.item_approved",
            title=f"{use_case.name}: “{item.title}” was approved",
            body=f"{actor.display_name}: {comment}",
            url=_item_url(item),
            email=False,
        )
    return sign_off


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def item_mark_not_applicable(*, actor: User, item: GovernanceItem, reason: str) -> GovernanceItem:
    """A reviewer records that the item does not apply to this use case, and why (the reason
    appears in the statement of applicability)."""
    membership_of(actor, item.checklist.use_case.organization_id, perm=Perm.SIGN_OFF)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"na_reason": "Say why it does not apply."})
    item = _lock(item)
    before = snapshot(item, ("status", "na_reason"))
    item.status = ItemStatus.NOT_APPLICABLE
    item.na_reason = reason
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.review_note = ""
    item.save(
        update_fields=[
            "status",
            "na_reason",
            "decided_by",
            "decided_at",
            "review_note",
            "updated_at",
        ]
    )
    b, a = changed(before, snapshot(item, ("status", "na_reason")))
    _audit(actor, item, "governance.not_applicable", before=b, after=a)
    facts_push(use_case=item.checklist.use_case, actor=actor)
    return item


@transaction.atomic
@audit_at_end()  # the items and workstreams follow first, then the records
def item_reopen(*, actor: User, item: GovernanceItem) -> GovernanceItem:
    """Undo "not applicable": the item is open again (or awaiting review if it has evidence)."""
    membership_of(actor, item.checklist.use_case.organization_id, perm=Perm.SIGN_OFF)
    item = _lock(item)
    if item.status != ItemStatus.NOT_APPLICABLE:
        raise Conflict(
            f"“{item.title}” is {item.get_status_display().lower()}, not “not applicable”."
        )
    has_current = bool(_current_evidence(item))
    item.status = ItemStatus.SUBMITTED if has_current else ItemStatus.OPEN
    item.submitted_at = timezone.now() if has_current else None
    item.na_reason = ""
    item.save(update_fields=["status", "submitted_at", "na_reason", "updated_at"])
    _audit(
        actor,
        item,
        "governance.reopen",
        before={"status": ItemStatus.NOT_APPLICABLE},
        after={"status": item.status},
    )
    facts_push(use_case=item.checklist.use_case, actor=actor)
    return item


ASSIGN_FIELDS = ("assigned_reviewer", "due_date")


@transaction.atomic
@audit_at_end()  # the reviewer is notified, then the record is appended
def item_assign(
    *,
    actor: User,
    item: GovernanceItem,
    assigned_reviewer: User | None,
    due_date: dt.date | None,
    expected_version: int | None = None,
) -> GovernanceItem:
    """Set who reviews the item and by when. The reviewer must be able to sign off here. With
    ``expected_version``, StaleVersion if the item changed since (nothing saved)."""
    organization = item.checklist.use_case.organization
    membership_of(actor, organization.pk, perm=Perm.GOVERN)
    if assigned_reviewer is not None:
        if not is_member(organization, assigned_reviewer):
            raise ValidationError({"assigned_reviewer": "Choose a member of this organization."})
        if not membership_of(assigned_reviewer, organization.pk).allows(Perm.SIGN_OFF):
            raise ValidationError(
                {"assigned_reviewer": "Choose someone who may sign off (a governance reviewer)."}
            )
    item = _lock(item)
    check_version(item, expected_version)
    before = snapshot(item, ASSIGN_FIELDS)
    item.assigned_reviewer = assigned_reviewer
    item.due_date = due_date
    b, a = changed(before, snapshot(item, ASSIGN_FIELDS))
    if a:
        item.save(update_fields=[*ASSIGN_FIELDS, "updated_at"])
        _audit(actor, item, "governance.item_assign", before=b, after=a)
        if (
            assigned_reviewer is not None
            and "assigned_reviewer" in a
            and assigned_reviewer != actor
        ):
            use_case = item.checklist.use_case
            notify(
                organization=organization,
                use_case_id=use_case.pk,
                recipients=[assigned_reviewer],
                kind="governance.item_assigned",
                title=f"{use_case.name}: you review “{item.title}”",
                body=f"{actor.display_name} assigned this item to you"
                + (f", due {due_date:%d %b %Y}." if due_date else "."),
                url=_item_url(item),
            )
    return item
