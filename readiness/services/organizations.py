"""Writes for organizations, memberships, invitations and workstream templates."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from readiness import defaults, outbox
from readiness.access import MANAGE, membership_of
from readiness.accounts import email_addresses
from readiness.audit import audit_at_end, audit_record, changed, snapshot
from readiness.facts import facts_of_workstream
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
            facts=list(d["facts"]),
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
    membership_of(actor, organization.pk, perm=MANAGE)
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
    from readiness.tasks import send_invitation_email

    outbox.enqueue(send_invitation_email, invitation.pk)
    audit_record(
        actor=actor,
        organization=organization,
        action="invitation.create",
        target=invitation,
        after={"email": email, "role": role},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    membership_of(actor, invitation.organization_id, perm=MANAGE)
    invitation = Invitation.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=invitation.pk
    )
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
    """Join through the emailed link. The token went only to the invited mailbox, so holding it
    proves the mailbox; the signed-in account must also have the invited address (verified or
    not), so that nobody joins under another account by mistake.

    The address is not marked verified by this: a link an org admin passed on proves nothing
    to the other organizations that may have invited the same address."""
    invitation = (
        Invitation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise ValidationError(
            "This invitation is not valid any more. Ask an org admin for a new one."
        )
    if invitation.email.lower() not in email_addresses(user, verified_only=False):
        raise ValidationError(
            f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
            "Sign in with the invited address."
        )
    return _invitation_use(user=user, invitation=invitation, via="link")


@transaction.atomic
def invitation_join(*, user: User, invitation_id: int) -> Membership:
    """Join from the home page's list of invitations: only with a verified address of the
    user's that is the invited one (an address typed at sign-up or added to the account and
    never proved is not enough; nor is it shown the invitation). A missing invitation and one
    for an address the user has not verified are refused alike."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.email.lower() not in email_addresses(
        user, verified_only=True
    ):
        raise ValidationError(
            "There is no invitation for a verified address of yours. Verify the invited "
            "address under Email addresses, or open the link in the invitation email."
        )
    return _invitation_use(user=user, invitation=invitation, via="verified address")


def _invitation_use(*, user: User, invitation: Invitation, via: str) -> Membership:
    """Accept a locked invitation whose address the caller has checked is the user's."""
    if invitation.revoked_at is not None:
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
            after={
                "user": user.email,
                "role": membership.role,
                "via": "invitation",
                "proof": via,
                "invited": invitation.email,
            },
        )
    return membership


@transaction.atomic
def organization_set_mfa_required(
    *, actor: User, organization: Organization, required: bool
) -> Organization:
    """Require (or stop requiring) a second factor of the organization's org admins,
    governance reviewers and executives. Takes effect at each such member's next request
    (readiness.middleware.MfaRequiredMiddleware)."""
    membership_of(actor, organization.pk, perm=MANAGE)
    organization = Organization.objects.select_for_update(of=("self",)).get(pk=organization.pk)
    if organization.mfa_required == required:
        return organization
    before = {"mfa_required": organization.mfa_required}
    organization.mfa_required = required
    organization.save(update_fields=["mfa_required"])
    audit_record(
        actor=actor,
        organization=organization,
        action="organization.update",
        target=organization,
        before=before,
        after={"mfa_required": required},
    )
    return organization


def _admin_count(organization_id: int) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.ORG_ADMIN).count()


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role; the last org admin cannot be demoted."""
    membership_of(actor, membership.organization_id, perm=MANAGE)
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})
    # Lock the organization's admins so two demotions at once cannot leave it with none.
    list(
        Membership.objects.select_for_update(no_key=True, of=("self",)).filter(
            organization_id=membership.organization_id, role=Role.ORG_ADMIN
        )
    )
    # The member's row alone (a plain FOR UPDATE over the join would also lock the
    # organization, which every audited insert references), then its relations, read fresh.
    Membership.objects.select_for_update(no_key=True, of=("self",)).filter(
        pk=membership.pk
    ).values_list("pk").first()
    membership = Membership.objects.select_related("organization", "user").get(pk=membership.pk)
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
@audit_at_end()  # recorded, then deleted: the record is appended last
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member (admins remove anyone, members may leave); never the last org admin."""
    if actor.pk != membership.user_id:
        membership_of(actor, membership.organization_id, perm=MANAGE)
    list(
        Membership.objects.select_for_update(no_key=True, of=("self",)).filter(
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
    *,
    actor: User,
    template: WorkstreamTemplate,
    name: str,
    purpose: str,
    items: list[str],
    facts: list[str] | None = None,
) -> WorkstreamTemplate:
    """Edit a template; use cases created before keep the workstreams they were given.

    ``facts`` chooses which of the workstream's fact-backed items new use cases get (keys of
    :mod:`readiness.facts` for this workstream; None keeps the current choice); ``items`` are
    the judgments, ticked by hand. A workstream needs at least one item of either kind.
    """
    membership_of(actor, template.organization_id, perm=MANAGE)
    items = [i.strip() for i in items if i.strip()]
    allowed = [d.fact.value for d in facts_of_workstream(template.number)]
    chosen = list(template.facts) if facts is None else list(dict.fromkeys(facts))
    if any(f not in allowed for f in chosen):
        raise ValidationError(
            {"facts": "Choose among the items that follow this workstream's records."}
        )
    chosen = [f for f in allowed if f in chosen]  # always in the default order
    if not items and not chosen:
        raise ValidationError({"items": "A workstream needs at least one checklist item."})
    if any(len(i) > 300 for i in items):
        raise ValidationError({"items": "Keep each item under 300 characters."})
    stated = {d.text for d in facts_of_workstream(template.number)}
    if any(i in stated for i in items):
        raise ValidationError(
            {
                "items": "An item that follows a record is chosen above, not typed here: "
                + "; ".join(f"“{i}”" for i in items if i in stated)
            }
        )
    template = WorkstreamTemplate.objects.select_for_update(no_key=True, of=("self",)).get(
        pk=template.pk
    )
    fields = ("name", "purpose", "facts", "items")
    before = snapshot(template, fields)
    template.name, template.purpose = name.strip(), purpose.strip()
    template.facts, template.items = chosen, items
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
