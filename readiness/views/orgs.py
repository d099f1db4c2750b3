"""Organization and account pages: home routing, creating an organization, invitations,
members and roles, and the organization's workstream templates."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness import access, services
from readiness.accounts import email_addresses, has_second_factor, members_with_second_factor
from readiness.forms import (
    InvitationForm,
    OrganizationForm,
    OrganizationSecurityForm,
    WorkstreamTemplateForm,
)
from readiness.models import MFA_ROLES, Invitation, Membership, Role, User, WorkstreamTemplate
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required

LAST_ORG_SESSION_KEY = "last_org"


def _pending_invitations_for(user: User) -> list[Invitation]:
    """Invitations to the user's verified addresses only: an address typed at sign-up or added
    to the account, and never proved, must not even reveal that an organization invited it."""
    verified = email_addresses(user, verified_only=True)
    if not verified:
        return []
    invitations = Invitation.objects.select_related("organization", "invited_by").filter(
        email__in=verified,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return list(invitations.order_by("organization__name"))


# Home and organization creation


def home(request: HttpRequest) -> HttpResponse:
    """Send each visitor where they can start: sign-in, their organization, or onboarding."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    user = cast(User, request.user)
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )
    if memberships:
        last = request.session.get(LAST_ORG_SESSION_KEY)
        chosen = next((m for m in memberships if m.organization.slug == last), memberships[0])
        request.session[LAST_ORG_SESSION_KEY] = chosen.organization.slug
        return redirect("org_home", org=chosen.organization.slug)
    invitations = _pending_invitations_for(user)
    if not invitations:
        return redirect("org_create")
    return render(
        request,
        "readiness/invitation_pending.html",
        {"invitations": invitations},
    )


@login_required
def organization_create(request: AuthedRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organization_create(
                user=request.user,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            request.session[LAST_ORG_SESSION_KEY] = org.slug
            messages.success(
                request,
                f"Welcome to {org.name}. You are its org admin: the steps below set it up, "
                "and tick themselves as you go.",
            )
            return redirect("org_home", org=org.slug)
    has_orgs = Membership.objects.filter(user=request.user).exists()
    return render(
        request,
        "readiness/org_create.html",
        {"form": form, "has_orgs": has_orgs},
        status=400 if form.is_bound else 200,
    )


# Invitations


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation to anyone holding the link; a signed-in invitee accepts it by POST.

    Anonymous visitors see the invitation with sign-in and sign-up links that bring them back
    here (allauth honours ``next``), so this page alone is open without login.
    """
    invitation = (
        Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()
    )
    if invitation is None:
        return render(request, "readiness/invitation_invalid.html", status=404)
    here = request.get_full_path()
    user = cast(User, request.user) if request.user.is_authenticated else None
    error = None
    if request.method == "POST":
        if user is None:
            return redirect_to_login(here)
        try:
            membership = services.invitation_accept(user=user, token=token)
        except ValidationError as exc:
            error = " ".join(error_messages(exc))
        else:
            org = membership.organization
            request.session[LAST_ORG_SESSION_KEY] = org.slug
            messages.success(
                request, f"You joined {org.name} as {membership.get_role_display().lower()}."
            )
            return redirect("usecase_list", org=org.slug)
    already_member = (
        user is not None
        and Membership.objects.filter(user=user, organization=invitation.organization).exists()
    )
    wrong_email = user is not None and invitation.email.lower() not in email_addresses(
        user, verified_only=False
    )
    context = {
        "invitation": invitation,
        "error": error,
        "already_member": already_member,
        "wrong_email": wrong_email,
        "expired": invitation.expires_at <= timezone.now(),
        "here": here,
    }
    return render(
        request,
        "readiness/invitation_accept.html",
        context,
        status=400 if error else 200,
    )


@login_required
@require_POST
def invitation_join(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept an invitation listed on the home page (to a verified address of the user's)."""
    try:
        membership = services.invitation_join(user=request.user, invitation_id=pk)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("home")
    org = membership.organization
    request.session[LAST_ORG_SESSION_KEY] = org.slug
    messages.success(request, f"You joined {org.name} as {membership.get_role_display().lower()}.")
    return redirect("usecase_list", org=org.slug)


# Members


def _members_context(membership: Membership, invite_form: InvitationForm) -> dict[str, Any]:
    org = membership.organization
    admin_first = Case(
        When(role=Role.ORG_ADMIN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    members = list(
        Membership.objects.filter(organization=org)
        .select_related("user")
        .annotate(has_mfa=members_with_second_factor())
        .order_by(admin_first, "user__first_name", "user__last_name", "user__email")
    )
    invitations: list[Invitation] = []
    if membership.can_manage_members:
        invitations = list(
            Invitation.objects.filter(
                organization=org,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).select_related("invited_by")
        )
    return {
        "membership": membership,
        "organization": org,
        "members": members,
        "invitations": invitations,
        "invite_form": invite_form,
        "security_form": OrganizationSecurityForm(initial={"mfa_required": org.mfa_required}),
        "mfa_missing": [m for m in members if m.role in MFA_ROLES and not m.has_mfa],
        "roles": Role.choices,
        "nav": "members",
    }


@member_required()
def members(request: AuthedRequest, org: str) -> HttpResponse:
    """Everyone sees who is in the organization; org admins also invite and manage roles."""
    membership = request.membership
    invite_form = InvitationForm(request.POST or None)
    if request.method == "POST":
        access.require(membership, access.MANAGE)
        if invite_form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=request.user,
                    organization=membership.organization,
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                )
            except ValidationError as exc:
                add_errors(invite_form, exc)
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email} as "
                    f"{invitation.get_role_display().lower()}.",
                )
                return redirect("members", org=org)
    return render(
        request,
        "readiness/members.html",
        _members_context(membership, invite_form),
        status=400 if invite_form.is_bound else 200,
    )


@member_required(access.MANAGE)
@require_POST
def organization_security(request: AuthedRequest, org: str) -> HttpResponse:
    """Org admins require (or stop requiring) two-factor authentication of the roles that
    approve, govern and decide."""
    form = OrganizationSecurityForm(request.POST)
    # One optional checkbox: the form is always valid, and an unticked box sends nothing.
    required = form.is_valid() and bool(form.cleaned_data["mfa_required"])
    organization = services.organization_set_mfa_required(
        actor=request.user, organization=request.membership.organization, required=required
    )
    if not required:
        messages.success(request, "Two-factor authentication is no longer required.")
        return redirect("members", org=org)
    note = ""
    if request.membership.must_use_mfa and not has_second_factor(request.user):
        note = " You have none yet: you will be asked to set one up now."
    messages.success(
        request,
        f"{organization.name} now requires two-factor authentication of org admins, "
        f"governance reviewers and executives, from their next page.{note}",
    )
    return redirect("members", org=org)


@member_required()
@require_POST
def member_role(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    target = access.access_membership(request.membership, pk, perm=access.MANAGE)
    try:
        changed = services.membership_change_role(
            actor=request.user, membership=target, role=request.POST.get("role", "")
        )
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, f"{target.user.display_name}: {message}")
    else:
        messages.success(
            request, f"{changed.user.display_name} is now {changed.get_role_display().lower()}."
        )
    return redirect("members", org=org)


@member_required()
@require_POST
def member_remove(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Admins remove anyone; any member may remove themselves (leave)."""
    target = access.access_membership(request.membership, pk)
    leaving = target.user_id == request.user.pk
    if not leaving:
        access.require(request.membership, access.MANAGE)
    org_name = target.organization.name
    try:
        services.membership_remove(actor=request.user, membership=target)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("members", org=org)
    if leaving:
        if request.session.get(LAST_ORG_SESSION_KEY) == org:
            del request.session[LAST_ORG_SESSION_KEY]
        messages.success(request, f"You left {org_name}.")
        return redirect("home")
    messages.success(request, f"{target.user.display_name} was removed from {org_name}.")
    return redirect("members", org=org)


@member_required()
@require_POST
def invitation_revoke(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    invitation = access.access_invitation(request.membership, pk, perm=access.MANAGE)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("members", org=org)


# Workstream templates


@member_required(access.MANAGE)
def template_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    templates = WorkstreamTemplate.objects.filter(organization=membership.organization)
    return render(
        request,
        "readiness/template_list.html",
        {"membership": membership, "templates": templates, "nav": "settings"},
    )


@member_required()
def template_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    template = access.access_workstream_template(request.membership, pk, perm=access.MANAGE)
    form = WorkstreamTemplateForm.for_template(template, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workstream_template_update(
                actor=request.user,
                template=template,
                name=form.cleaned_data["name"],
                purpose=form.cleaned_data["purpose"],
                items=form.item_lines(),
                facts=form.chosen_facts() if "facts" in form.fields else [],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                f"Workstream {template.number} saved. Use cases created from now on get it; "
                "existing use cases keep their workstreams.",
            )
            return redirect("template_list", org=org)
    return render(
        request,
        "readiness/template_edit.html",
        {
            "template": template,
            "organization": template.organization,
            "form": form,
            "nav": "settings",
        },
        status=400 if form.is_bound else 200,
    )
