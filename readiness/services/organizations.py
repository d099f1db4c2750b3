"""Writes for organizations, memberships, invitations and workstream templates."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from readiness import defaults
from readiness.access import MANAGE, membership_of
from readiness.audit import audit_record, changed, snapshot
from readiness.models import Invitation, Membership, Organization, Role, User, WorkstreamTemplate


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(*, user: User, name: str, slug: str = "") -> Organization:
    """A new organization with ``user`` as its org admin and the default workstream templates."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    if slug:
        slug = slugify(slug)
        if Organization.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": f"The address “{slug}” is taken; choose another."})
    org = Organization(name=name, slug=slug or _unique_slug(name))
    org.full_clean()
    org.save()
    membership = Membership.objects.create(organization=org, user=user, role=Role.ORG_ADMIN)
    WorkstreamTemplate.objects.bulk_create(
        WorkstreamTemplate(
            organization=org,
            number=d["number"],
            name=d["name"],
            purpose=d["purpose"],
            items=list(d["items"]),
        )
        for d in defaults.WORKSTREAMS
    )
    audit_record(
        actor=user,
        organization=org,
        action="organization.create",
        target=org,
        after={"name": org.name},
    )
    audit_record(
        actor=user,
        organization=org,
        action="membership.create",
        target=membership,
        after={"user": user.email, "role": membership.role},
    )
    return org


@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, email: str, role: str
) -> Invitation:
    """Invite ``email`` to join with ``role``; the email goes out by a task after commit."""
    membership_of(actor, organization.pk, predicate=MANAGE)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    pending = Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).first()
    if pending is not None:
        if pending.is_pending:
            raise ValidationError(
                {"email": f"{email} already has a pending invitation; revoke it to send a new one."}
            )
        # An expired invitation stands in the way of a new one: retire it.
        pending.revoked_at = timezone.now()
        pending.save(update_fields=["revoked_at"])
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        token=Invitation.new_token(),
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        actor=actor,
        organization=organization,
        action="invitation.create",
        target=invitation,
        after={"email": email, "role": role},
    )
    from readiness.tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    membership_of(actor, invitation.organization_id, predicate=MANAGE)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            organization=invitation.organization,
            action="invitation.revoke",
            target=invitation,
            before={"email": invitation.email},
        )
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    """Join the organization. The signed-in user's email must be the invited one."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(
            "This invitation is not valid any more. Ask an org admin for a new one."
        )
    if invitation.accepted_at is not None:
        existing = Membership.objects.filter(
            organization=invitation.organization, user=user
        ).first()
        if existing:
            return existing
        raise ValidationError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask an org admin to invite you again.")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign in with the invited address."
        )
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if created:
        audit_record(
            actor=user,
            organization=invitation.organization,
            action="membership.create",
            target=membership,
            after={"user": user.email, "role": membership.role, "via": "invitation"},
        )
    return membership


def _admin_count(organization_id: int) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.ORG_ADMIN).count()


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role; the last org admin cannot be demoted."""
    membership_of(actor, membership.organization_id, predicate=MANAGE)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})
    # Lock the organization's admins so two demotions at once cannot leave it with none.
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Role.ORG_ADMIN
        )
    )
    membership = (
        Membership.objects.select_for_update()
        .select_related("organization", "user")
        .get(pk=membership.pk)
    )
    if membership.role == role:
        return membership
    if membership.role == Role.ORG_ADMIN and _admin_count(membership.organization_id) <= 1:
        raise ValidationError(
            {
                "role": "An organization must keep at least one org admin; promote another member first."
            }
        )
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        organization=membership.organization,
        action="membership.change_role",
        target=membership,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member (admins remove anyone, members may leave); never the last org admin."""
    if actor.pk != membership.user_id:
        membership_of(actor, membership.organization_id, predicate=MANAGE)
    list(
        Membership.objects.select_for_update().filter(
            organization_id=membership.organization_id, role=Role.ORG_ADMIN
        )
    )
    membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
    if membership.role == Role.ORG_ADMIN and _admin_count(membership.organization_id) <= 1:
        raise ValidationError(
            "An organization must keep at least one org admin; promote another member first."
        )
    audit_record(
        actor=actor,
        organization=membership.organization,
        action="membership.remove",
        target=membership,
        before={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def workstream_template_update(
    *, actor: User, template: WorkstreamTemplate, name: str, purpose: str, items: list[str]
) -> WorkstreamTemplate:
    """Edit a template; use cases created before keep the workstreams they were given."""
    membership_of(actor, template.organization_id, predicate=MANAGE)
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise ValidationError({"items": "A workstream needs at least one checklist item."})
    if any(len(i) > 300 for i in items):
        raise ValidationError({"items": "Keep each item under 300 characters."})
    template = WorkstreamTemplate.objects.select_for_update().get(pk=template.pk)
    fields = ("name", "purpose", "items")
    before = snapshot(template, fields)
    template.name, template.purpose, template.items = name.strip(), purpose.strip(), items
    template.full_clean()
    template.save(update_fields=[*fields, "updated_at"])
    b, a = changed(before, snapshot(template, fields))
    if a:
        audit_record(
            actor=actor,
            organization=template.organization,
            action="workstream_template.update",
            target=template,
            before=b,
            after=a,
        )
    return template
