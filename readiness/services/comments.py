"""Writes for discussion threads: adding, editing and deleting a comment, and notifying the
members it mentions (:mod:`readiness.discussion` says what a mention is).

Who may: every member but a viewer comments (``Perm.COMMENT``); an author edits and deletes
their own comments; org admins delete any. Each write is audited with before and after.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from readiness import discussion
from readiness.access import membership_of
from readiness.audit import audit_record
from readiness.errors import Conflict
from readiness.models import MAX_COMMENT, Comment, Notification, Perm, User
from readiness.notifications import notify
from readiness.text import CONTROL_MESSAGE, has_control_characters
from readiness.versioning import check_version

MENTION_KIND = "mention"


def clean_body(body: str) -> str:
    """The body as stored (outer blank lines and spaces trimmed), or ValidationError naming
    what to fix: empty, too long, or holding control characters."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your comment first: it is empty."})
    if len(body) > MAX_COMMENT:
        raise ValidationError(
            {"body": f"A comment holds at most {MAX_COMMENT} characters; this one has {len(body)}."}
        )
    if has_control_characters(body):
        raise ValidationError({"body": CONTROL_MESSAGE})
    return body


def _emails(users: list[User]) -> list[str]:
    return sorted(u.email for u in users)


def _notify_mentioned(comment: Comment, actor: User, users: list[User]) -> None:
    recipients = [u for u in users if u.pk != actor.pk]
    if not recipients:
        return
    text = " ".join(comment.body.split())
    notify(
        organization=comment.organization,
        recipients=recipients,
        kind=MENTION_KIND,
        title=f"{actor.display_name} mentioned you on {comment.target_label}",
        body=text[:280] + ("…" if len(text) > 280 else ""),
        url=comment.get_absolute_url(),
        use_case_id=comment.use_case_id,
    )


@transaction.atomic
def comment_add(*, actor: User, target: models.Model, body: str) -> Comment:
    """Add a comment to ``target``'s thread (a registered target the caller found through its
    access function) and notify the members it mentions.

    PermissionDenied for a viewer or a non-member; ValidationError on ``body`` when it is
    empty, too long or holds control characters (nothing saved). Mentions of people outside
    the organization stay plain text."""
    kind = discussion.target_of_model(type(target))
    use_case = kind.use_case_of(target)
    membership = membership_of(actor, use_case.organization_id, perm=Perm.COMMENT)
    body = clean_body(body)
    comment = Comment.objects.create(
        organization=membership.organization,
        use_case=use_case,
        target_type=discussion.content_type(kind),
        target_id=target.pk,
        target_label=kind.title_of(target)[:200],
        author=actor,
        body=body,
    )
    mentioned = discussion.resolve(body, discussion.organization_members(use_case.organization_id))
    comment.mentions.set(mentioned)
    _notify_mentioned(comment, actor, mentioned)
    audit_record(
        actor=actor,
        organization=membership.organization,
        action="comment.added",
        target=comment,
        use_case=use_case,
        after={
            "on": f"{kind.label} {target.pk}",
            "body": body,
            "mentions": _emails(mentioned),
        },
    )
    return comment


def _locked(comment: Comment, expected_version: int | None) -> Comment:
    locked = (
        Comment.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization")
        .get(pk=comment.pk)
    )
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def comment_edit(
    *, actor: User, comment: Comment, body: str, expected_version: int | None = None
) -> Comment:
    """Change the text of one's own comment; only members newly mentioned are notified.

    PermissionDenied unless the actor wrote it (and may still comment); Conflict when it was
    deleted; ValidationError on ``body``; StaleVersion when ``expected_version`` is given and
    the comment changed since. Audited with the body and mentions before and after."""
    membership = membership_of(actor, comment.organization_id, perm=Perm.COMMENT)
    comment = _locked(comment, expected_version)
    if comment.author_id != actor.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    if comment.is_deleted:
        raise Conflict("This comment was deleted; it can no longer be edited.")
    body = clean_body(body)
    if body == comment.body:
        return comment
    before_users = list(comment.mentions.all())
    mentioned = discussion.resolve(
        body, discussion.organization_members(membership.organization_id)
    )
    before = {"body": comment.body, "mentions": _emails(before_users)}
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    comment.mentions.set(mentioned)
    known = {u.pk for u in before_users}
    _notify_mentioned(comment, actor, [u for u in mentioned if u.pk not in known])
    after: dict[str, Any] = {"body": body, "mentions": _emails(mentioned)}
    if after["mentions"] == before["mentions"]:
        del after["mentions"], before["mentions"]
    audit_record(
        actor=actor,
        organization=membership.organization,
        action="comment.edited",
        target=comment,
        use_case=comment.use_case,
        before=before,
        after=after,
    )
    return comment


@transaction.atomic
def comment_delete(
    *, actor: User, comment: Comment, expected_version: int | None = None
) -> Comment:
    """Delete a comment: its author (who may still comment) or an org admin. The row stays
    as a "comment deleted" placeholder so the thread reads on; its text, its mentions and their
    notifications go, and the audit record keeps what it said. Deleting a deleted comment changes nothing.
    StaleVersion when ``expected_version`` is given and the comment changed since."""
    membership = membership_of(actor, comment.organization_id)
    comment = _locked(comment, expected_version)
    own = comment.author_id == actor.pk and membership.allows(Perm.COMMENT)
    if not (own or membership.is_admin):
        raise PermissionDenied("Only its author or an org admin can delete a comment.")
    if comment.is_deleted:
        return comment
    before = {"body": comment.body, "mentions": _emails(list(comment.mentions.all()))}
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.deleted_by = actor
    comment.save(update_fields=["body", "deleted_at", "deleted_by"])
    comment.mentions.clear()
    # Its mentions go too: they quote the text that was deleted.
    Notification.objects.filter(
        organization_id=comment.organization_id, kind=MENTION_KIND, url=comment.get_absolute_url()
    ).delete()
    audit_record(
        actor=actor,
        organization=membership.organization,
        action="comment.deleted",
        target=comment,
        use_case=comment.use_case,
        before=before,
        after={"body": "", "deleted": True},
    )
    return comment
