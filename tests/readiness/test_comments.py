"""Comment services: who may write, what is audited, and who is notified of a mention."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from readiness import discussion, services
from readiness.errors import Conflict, StaleVersion
from readiness.models import (
    MAX_COMMENT,
    AuditEvent,
    ChecklistItem,
    Comment,
    Notification,
    NotificationPreference,
    Role,
    User,
)
from tests.conftest import roles_except
from tests.factories import add_member


def mentions_of(user):
    return Notification.objects.filter(recipient=user, kind="mention")


def handle(user):
    return user.email.split("@")[0]


def records(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# --- mentions, pure ---------------------------------------------------------------------------


def test_a_handle_is_an_at_not_glued_to_a_word_and_a_full_stop_ends_it():
    body = "Ask @pm. Mail ops@acme.example, or @Lee.Ng@acme.example; and @x."
    assert discussion.handles(body) == ["pm", "lee.ng@acme.example", "x"]
    spans = list(discussion.mention_spans("Hi @pm."))
    assert spans == [(3, 6, "pm")]


def test_a_short_handle_two_members_share_resolves_to_nobody_but_their_emails_do():
    a = User(pk=1, email="sam@one.example")
    b = User(pk=2, email="sam@two.example")
    c = User(pk=3, email="kim@one.example")
    assert discussion.resolve("@sam and @kim", [a, b, c]) == [c]
    assert discussion.resolve("@sam@two.example, @KIM", [a, b, c]) == [b, c]


# --- adding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user_in_role", roles_except(Role.VIEWER), indirect=True)
def test_every_role_but_viewer_comments(use_case, user_in_role):
    comment = services.comment_add(actor=user_in_role, target=use_case, body="Who owns this?")
    assert comment.use_case == use_case and comment.organization == use_case.organization
    assert comment.author == user_in_role and comment.target == use_case


def test_a_viewer_reads_but_may_not_comment(use_case, viewer):
    with pytest.raises(PermissionDenied, match="Viewers read discussions"):
        services.comment_add(actor=viewer, target=use_case, body="Hello")
    assert not Comment.objects.exists()


def test_a_non_member_may_not_comment(use_case, other_org):
    _, outsider, _ = other_org
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=outsider, target=use_case, body="Hello")
    assert not Comment.objects.exists()


def test_adding_is_audited_and_notifies_the_members_it_mentions(
    org, use_case, pm, admin, django_capture_on_commit_callbacks
):
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    body = f"@{handle(reviewer)} can you look? cc @{admin.email} and me @{handle(pm)}"
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(actor=pm, target=use_case, body=body)
    assert set(comment.mentions.all()) == {reviewer, admin, pm}
    # The author is not told about their own mention.
    assert not mentions_of(pm).exists()
    note = mentions_of(reviewer).get()
    assert note.url == f"/o/{org.slug}/comments/{comment.pk}/"
    assert note.use_case_id == use_case.pk
    assert note.title == f"{pm.display_name} mentioned you on {use_case.name}"
    assert mentions_of(admin).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reviewer.email, admin.email])
    (record,) = records("comment.added")
    assert record.use_case_id == use_case.pk and record.actor == pm
    assert record.before is None
    assert record.after == {
        "on": f"use case {use_case.pk}",
        "body": body,
        "mentions": sorted([reviewer.email, admin.email, pm.email]),
    }


def test_a_member_who_turned_mention_email_off_is_notified_in_the_app_only(
    org, use_case, pm, admin, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=admin, organization=org, kind="mention", email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=pm, target=use_case, body=f"@{handle(admin)} please sign")
    assert mentions_of(admin).count() == 1
    assert mail.outbox == []


def test_people_of_another_organization_are_not_resolved(use_case, pm, other_org):
    _, outsider, _ = other_org
    comment = services.comment_add(
        actor=pm, target=use_case, body=f"@{handle(outsider)} and @{outsider.email}"
    )
    assert not comment.mentions.exists()
    assert not mentions_of(outsider).exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   \n ", "empty"),
        ("x" * (MAX_COMMENT + 1), f"at most {MAX_COMMENT} characters"),
        ("bad \x00 byte", "Control characters"),
        ("a vertical \x0b tab", "Control characters"),
    ],
)
def test_bad_text_is_refused_naming_the_body_and_nothing_is_saved(use_case, pm, body, message):
    with pytest.raises(ValidationError) as refused:
        services.comment_add(actor=pm, target=use_case, body=body)
    assert message in " ".join(refused.value.message_dict["body"])
    assert not Comment.objects.exists()
    assert not records("comment.added")


def test_a_workstream_item_has_a_thread_of_its_own(use_case, pm):
    item = ChecklistItem.objects.filter(workstream__use_case=use_case).first()
    comment = services.comment_add(actor=pm, target=item, body="Which systems?")
    target = discussion.target_for("checklist_item")
    assert discussion.thread(target, item) == [comment]
    assert discussion.thread(discussion.target_for("use_case"), use_case) == []
    assert comment.target_label == f"“{item.text}”"


# --- editing ----------------------------------------------------------------------------------


def test_editing_notifies_only_the_newly_mentioned_and_is_audited(org, use_case, pm, admin):
    reviewer = add_member(org, Role.GOVERNANCE_REVIEWER)
    comment = services.comment_add(actor=pm, target=use_case, body=f"@{handle(admin)} see this")
    edited = services.comment_edit(
        actor=pm,
        comment=comment,
        body=f"@{handle(admin)} and @{handle(reviewer)} see this",
        expected_version=comment.version,
    )
    assert edited.edited_at is not None and edited.version == 2
    assert mentions_of(admin).count() == 1  # not again
    assert mentions_of(reviewer).count() == 1
    (record,) = records("comment.edited")
    assert record.before == {"body": f"@{handle(admin)} see this", "mentions": [admin.email]}
    assert record.after == {
        "body": f"@{handle(admin)} and @{handle(reviewer)} see this",
        "mentions": sorted([admin.email, reviewer.email]),
    }


def test_only_the_author_edits(org, use_case, pm, admin):
    comment = services.comment_add(actor=pm, target=use_case, body="Mine")
    with pytest.raises(PermissionDenied, match="Only its author"):
        services.comment_edit(actor=admin, comment=comment, body="Yours")
    comment.refresh_from_db()
    assert comment.body == "Mine" and not records("comment.edited")


def test_an_author_made_viewer_may_no_longer_edit(org, use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="Mine")
    pm.memberships.update(role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.comment_edit(actor=pm, comment=comment, body="Changed")


def test_a_stale_edit_is_refused_and_saves_nothing(use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="First")
    services.comment_edit(actor=pm, comment=comment, body="Second", expected_version=1)
    with pytest.raises(StaleVersion) as refused:
        services.comment_edit(actor=pm, comment=comment, body="Third", expected_version=1)
    assert "body" in refused.value.changed_fields
    comment.refresh_from_db()
    assert comment.body == "Second"


def test_a_deleted_comment_cannot_be_edited(use_case, pm):
    comment = services.comment_add(actor=pm, target=use_case, body="Oops")
    services.comment_delete(actor=pm, comment=comment)
    with pytest.raises(Conflict, match="deleted"):
        services.comment_edit(actor=pm, comment=comment, body="Back")


# --- deleting ---------------------------------------------------------------------------------


def test_the_author_deletes_leaving_a_placeholder_and_the_audit_keeps_the_text(use_case, pm, admin):
    comment = services.comment_add(actor=pm, target=use_case, body=f"@{handle(admin)} gone soon")
    services.comment_delete(actor=pm, comment=comment, expected_version=1)
    comment.refresh_from_db()
    assert comment.is_deleted and comment.deleted_by == pm
    assert comment.body == "" and not comment.mentions.exists()
    assert discussion.thread(discussion.target_for("use_case"), use_case) == [comment]
    (record,) = records("comment.deleted")
    assert record.before == {"body": f"@{handle(admin)} gone soon", "mentions": [admin.email]}
    assert record.after == {"body": "", "deleted": True}
    assert not mentions_of(admin).exists()  # the notification quoted the deleted text
    services.comment_delete(actor=pm, comment=comment)  # again: nothing changes
    assert len(records("comment.deleted")) == 1


def test_an_org_admin_deletes_anyones_comment(use_case, pm, admin):
    comment = services.comment_add(actor=pm, target=use_case, body="Off topic")
    services.comment_delete(actor=admin, comment=comment)
    comment.refresh_from_db()
    assert comment.deleted_by == admin


@pytest.mark.parametrize("user_in_role", roles_except(Role.ORG_ADMIN, Role.VIEWER), indirect=True)
def test_other_members_may_not_delete_someone_elses_comment(use_case, admin, user_in_role):
    comment = services.comment_add(actor=admin, target=use_case, body="Admin's note")
    with pytest.raises(PermissionDenied, match="author or an org admin"):
        services.comment_delete(actor=user_in_role, comment=comment)
    comment.refresh_from_db()
    assert not comment.is_deleted
