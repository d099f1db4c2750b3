"""Services for organizations, invitations, memberships and workstream templates."""

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from readiness import defaults, services
from readiness.audit import verify_chain
from readiness.facts import facts_of_workstream
from readiness.models import AuditEvent, Invitation, Membership, Organization, Role
from tests.factories import UserFactory, add_member, make_org, make_use_case

# organization_create


def test_organization_create_makes_creator_admin_copies_templates_and_audits(db):
    user = UserFactory()
    org = services.organization_create(user=user, name="  Acme Health  ")
    assert org.name == "Acme Health"
    assert org.slug == "acme-health"
    assert Membership.objects.get(organization=org, user=user).role == Role.ORG_ADMIN
    templates = list(org.workstream_templates.order_by("number"))
    assert [t.number for t in templates] == [1, 2, 3, 4, 5, 6, 7]
    assert [t.name for t in templates] == [d["name"] for d in defaults.WORKSTREAMS]
    assert templates[2].items == list(defaults.WORKSTREAMS[2]["items"])
    actions = list(
        AuditEvent.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["organization.create", "membership.create"]
    assert verify_chain(org) == []


def test_organization_create_derives_a_free_slug_from_the_name(db):
    first, _ = make_org("Acme")
    second, _ = make_org("Acme")
    assert first.slug == "acme"
    assert second.slug == "acme-2"


def test_organization_create_refuses_a_taken_slug_and_saves_nothing(db):
    make_org("Acme")
    user = UserFactory()
    with pytest.raises(ValidationError) as err:
        services.organization_create(user=user, name="Another", slug="acme")
    assert "slug" in err.value.message_dict
    assert Organization.objects.count() == 1
    assert not Membership.objects.filter(user=user).exists()


def test_organization_create_needs_a_name(db):
    user = UserFactory()
    with pytest.raises(ValidationError) as err:
        services.organization_create(user=user, name="   ")
    assert "name" in err.value.message_dict
    assert not Organization.objects.exists()


# invitations


def _invite(org, admin, email="new.person@example.com", role=Role.PROGRAM_MANAGER):
    return services.invitation_create(actor=admin, organization=org, email=email, role=role)


def test_invitation_create_sends_one_email_with_the_link(
    org, admin, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://readiness.example"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(org, admin, email="  New.Person@Example.com ")
    assert invitation.email == "new.person@example.com"
    assert invitation.role == Role.PROGRAM_MANAGER
    assert invitation.is_pending
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert f"https://readiness.example/invitations/{invitation.token}/" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert AuditEvent.objects.filter(organization=org, action="invitation.create").count() == 1


def test_send_invitation_email_twice_sends_once(org, admin, django_capture_on_commit_callbacks):
    from readiness.tasks import send_invitation_email

    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(org, admin)
    assert send_invitation_email(invitation.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "role", [Role.PROGRAM_MANAGER, Role.GOVERNANCE_REVIEWER, Role.EXECUTIVE, Role.VIEWER]
)
def test_only_org_admins_invite(org, role):
    member = add_member(org, role)
    with pytest.raises(PermissionDenied):
        _invite(org, member)
    assert not Invitation.objects.exists()


def test_outsider_cannot_invite(org, other_org):
    _, other_admin, _ = other_org
    with pytest.raises(PermissionDenied):
        _invite(org, other_admin)


def test_duplicate_pending_invitation_refused(org, admin):
    _invite(org, admin)
    with pytest.raises(ValidationError) as err:
        _invite(org, admin, email="NEW.PERSON@example.com")
    assert "email" in err.value.message_dict
    assert Invitation.objects.count() == 1


def test_inviting_a_member_refused(org, admin, pm):
    with pytest.raises(ValidationError) as err:
        _invite(org, admin, email=pm.email)
    assert "already a member" in err.value.message_dict["email"][0]


def test_invitation_with_unknown_role_refused(org, admin):
    with pytest.raises(ValidationError) as err:
        _invite(org, admin, role="superuser")
    assert "role" in err.value.message_dict
    assert not Invitation.objects.exists()


def test_expired_invitation_is_replaced_by_a_new_one(org, admin):
    old = _invite(org, admin)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    new = _invite(org, admin)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.pk != old.pk and new.is_pending


def test_accept_creates_membership_with_the_invited_role(org, admin):
    invitation = _invite(org, admin, role=Role.GOVERNANCE_REVIEWER)
    invitee = UserFactory(email="new.person@example.com")
    membership = services.invitation_accept(user=invitee, token=invitation.token)
    assert membership.organization == org
    assert membership.role == Role.GOVERNANCE_REVIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert not invitation.is_pending
    assert AuditEvent.objects.filter(
        organization=org, action="membership.create", actor=invitee
    ).exists()
    assert verify_chain(org) == []


def test_accept_twice_returns_the_same_membership(org, admin):
    invitation = _invite(org, admin)
    invitee = UserFactory(email="new.person@example.com")
    first = services.invitation_accept(user=invitee, token=invitation.token)
    again = services.invitation_accept(user=invitee, token=invitation.token)
    assert first.pk == again.pk
    assert Membership.objects.filter(organization=org, user=invitee).count() == 1


def test_accept_with_another_email_refused(org, admin):
    invitation = _invite(org, admin)
    stranger = UserFactory(email="someone.else@example.com")
    with pytest.raises(ValidationError) as err:
        services.invitation_accept(user=stranger, token=invitation.token)
    assert "new.person@example.com" in err.value.messages[0]
    assert not Membership.objects.filter(user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accept_expired_refused(org, admin):
    invitation = _invite(org, admin)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    invitee = UserFactory(email="new.person@example.com")
    with pytest.raises(ValidationError) as err:
        services.invitation_accept(user=invitee, token=invitation.token)
    assert "expired" in err.value.messages[0]
    assert not Membership.objects.filter(user=invitee).exists()


def test_revoke_then_accept_refused(org, admin):
    invitation = _invite(org, admin)
    services.invitation_revoke(actor=admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(organization=org, action="invitation.revoke").count() == 1
    invitee = UserFactory(email="new.person@example.com")
    with pytest.raises(ValidationError):
        services.invitation_accept(user=invitee, token=invitation.token)
    assert not Membership.objects.filter(user=invitee).exists()


def test_revoke_needs_an_org_admin(org, admin, pm):
    invitation = _invite(org, admin)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=pm, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_revoked_invitation_is_not_emailed(org, admin):
    from readiness.tasks import send_invitation_email

    with mock.patch("readiness.tasks.send_invitation_email.delay"):
        invitation = _invite(org, admin)
    services.invitation_revoke(actor=admin, invitation=invitation)
    assert send_invitation_email(invitation.pk) is False
    assert mail.outbox == []


# memberships


def test_change_role(org, admin, viewer):
    membership = Membership.objects.get(organization=org, user=viewer)
    changed = services.membership_change_role(
        actor=admin, membership=membership, role=Role.EXECUTIVE
    )
    assert changed.role == Role.EXECUTIVE
    event = AuditEvent.objects.get(organization=org, action="membership.change_role")
    assert event.before == {"role": "viewer"} and event.after == {"role": "executive"}


def test_change_role_needs_an_org_admin(org, pm, viewer):
    membership = Membership.objects.get(organization=org, user=viewer)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(actor=pm, membership=membership, role=Role.ORG_ADMIN)
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_last_admin_cannot_be_demoted(org, admin):
    membership = Membership.objects.get(organization=org, user=admin)
    with pytest.raises(ValidationError) as err:
        services.membership_change_role(actor=admin, membership=membership, role=Role.VIEWER)
    assert "at least one org admin" in err.value.message_dict["role"][0]
    membership.refresh_from_db()
    assert membership.role == Role.ORG_ADMIN


def test_admin_can_step_down_once_another_admin_exists(org, admin):
    add_member(org, Role.ORG_ADMIN)
    membership = Membership.objects.get(organization=org, user=admin)
    services.membership_change_role(actor=admin, membership=membership, role=Role.VIEWER)
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_last_admin_cannot_be_removed_or_leave(org, admin):
    membership = Membership.objects.get(organization=org, user=admin)
    with pytest.raises(ValidationError):
        services.membership_remove(actor=admin, membership=membership)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_admin_removes_a_member(org, admin, pm):
    membership = Membership.objects.get(organization=org, user=pm)
    services.membership_remove(actor=admin, membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(organization=org, action="membership.remove")
    assert event.before == {"user": pm.email, "role": Role.PROGRAM_MANAGER}


def test_member_may_leave_but_not_remove_others(org, pm, viewer):
    other = Membership.objects.get(organization=org, user=viewer)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=pm, membership=other)
    assert Membership.objects.filter(pk=other.pk).exists()
    own = Membership.objects.get(organization=org, user=pm)
    services.membership_remove(actor=pm, membership=own)
    assert not Membership.objects.filter(pk=own.pk).exists()


# workstream templates


def test_template_update_applies_to_later_use_cases_only(org, admin, pm):
    before = make_use_case(org, pm)
    template = org.workstream_templates.get(number=3)
    old_items = [d.text for d in facts_of_workstream(3)]
    services.workstream_template_update(
        actor=admin,
        template=template,
        name="Systems integration",
        purpose="Connect to the systems of record.",
        items=["  Single sign-on  ", "", "Event bus subscription"],
        facts=["integration.logging_audit", "integration.identity_access"],
    )
    template.refresh_from_db()
    assert template.items == ["Single sign-on", "Event bus subscription"]
    # The chosen facts, in their own order, head the checklist; then the judgments.
    assert template.facts == ["integration.identity_access", "integration.logging_audit"]
    after = make_use_case(org, pm)
    new_ws = after.workstreams.get(number=3)
    assert new_ws.name == "Systems integration"
    assert [(i.text, i.fact) for i in new_ws.items.order_by("position")] == [
        ("Identity and access: users and service accounts mapped", "integration.identity_access"),
        ("Logging and audit trails: every AI action is traceable", "integration.logging_audit"),
        ("Single sign-on", ""),
        ("Event bus subscription", ""),
    ]
    old_ws = before.workstreams.get(number=3)
    assert [i.text for i in old_ws.items.order_by("position")] == old_items
    assert (
        AuditEvent.objects.filter(organization=org, action="workstream_template.update").count()
        == 1
    )


def test_template_facts_must_belong_to_the_workstream(org, admin):
    template = org.workstream_templates.get(number=3)
    with pytest.raises(ValidationError) as err:
        services.workstream_template_update(
            actor=admin, template=template, name="x", purpose="", items=[], facts=["spec.inputs"]
        )
    assert "facts" in err.value.message_dict
    # A fact's own wording typed as a judgment is refused: it would be ticked by hand.
    with pytest.raises(ValidationError) as err:
        services.workstream_template_update(
            actor=admin,
            template=template,
            name="x",
            purpose="",
            items=["Data mapping: fields from source systems mapped and cleaned"],
            facts=[],
        )
    assert "chosen above" in err.value.message_dict["items"][0]


def test_template_update_needs_items(org, admin):
    template = org.workstream_templates.get(number=1)
    original = list(template.items)
    with pytest.raises(ValidationError) as err:
        services.workstream_template_update(
            actor=admin, template=template, name="X", purpose="", items=[" "], facts=[]
        )
    assert "items" in err.value.message_dict
    template.refresh_from_db()
    assert template.items == original


def test_template_update_needs_an_org_admin(org, pm):
    template = org.workstream_templates.get(number=1)
    with pytest.raises(PermissionDenied):
        services.workstream_template_update(
            actor=pm, template=template, name="X", purpose="", items=["a"]
        )


def test_audit_chain_verifies_after_every_kind_of_change(org, admin, viewer):
    invitation = _invite(org, admin)
    invitee = UserFactory(email="new.person@example.com")
    membership = services.invitation_accept(user=invitee, token=invitation.token)
    services.membership_change_role(actor=admin, membership=membership, role=Role.VIEWER)
    services.membership_remove(
        actor=admin, membership=Membership.objects.get(organization=org, user=viewer)
    )
    revoked = _invite(org, admin, email="later@example.com")
    services.invitation_revoke(actor=admin, invitation=revoked)
    template = org.workstream_templates.get(number=7)
    services.workstream_template_update(
        actor=admin, template=template, name="Rollout", purpose="", items=["One team"]
    )
    assert AuditEvent.objects.filter(organization=org).count() == 9
    assert verify_chain(org) == []
