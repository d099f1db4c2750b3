"""Organization and account pages: home routing, creating an organization, invitations,
members and roles, and the organization's workstream templates."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness import access, services
from readiness.models import Invitation, Membership, Role, User, WorkstreamTemplate
from readiness.org_forms import InvitationForm, OrganizationForm, WorkstreamTemplateForm
from readiness.views.common import AuthedRequest, add_errors, error_messages

LAST_ORG_SESSION_KEY = "last_org"


# Access lookups for the objects on these pages. They follow readiness.access: an object that
# is missing or belongs to another organization is a 404; a role that may not act is a 403.


M = TypeVar("M", bound=models.Model)


def _access_in_org(
    queryset: models.QuerySet[M], user: Any, pk: int, *, org_slug: str, predicate: str | None
) -> M:
    actor = access.membership_for(user, org_slug)
    obj = queryset.filter(pk=pk, organization=actor.organization).first()
    if obj is None:
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    if predicate and not getattr(actor, predicate):
        raise PermissionDenied(f"Your role ({actor.get_role_display()}) does not allow this.")
    return obj


def _access_membership(
    user: Any, pk: int, *, org_slug: str, predicate: str | None = None
) -> Membership:
    queryset = Membership.objects.select_related("user", "organization")
    return _access_in_org(queryset, user, pk, org_slug=org_slug, predicate=predicate)


def _access_invitation(
    user: Any, pk: int, *, org_slug: str, predicate: str | None = None
) -> Invitation:
    queryset = Invitation.objects.select_related("organization")
    return _access_in_org(queryset, user, pk, org_slug=org_slug, predicate=predicate)


def _access_template(
    user: Any, pk: int, *, org_slug: str, predicate: str | None = None
) -> WorkstreamTemplate:
    queryset = WorkstreamTemplate.objects.select_related("organization")
    return _access_in_org(queryset, user, pk, org_slug=org_slug, predicate=predicate)


def _pending_invitations_for(user: User) -> list[Invitation]:
    invitations = Invitation.objects.select_related("organization", "invited_by").filter(
        email__iexact=user.email,
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
        return redirect("usecase_list", org=chosen.organization.slug)
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
                f"Welcome to {org.name}. You are its org admin: add your first use case, "
                "then invite your team from Members.",
            )
            return redirect("usecase_list", org=org.slug)
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
    wrong_email = user is not None and user.email.lower() != invitation.email.lower()
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


# Members


def _members_context(membership: Membership, invite_form: InvitationForm) -> dict[str, Any]:
    org = membership.organization
    admin_first = Case(
        When(role=Role.ORG_ADMIN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    members = list(
        Membership.objects.filter(organization=org)
        .select_related("user")
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
        "roles": Role.choices,
        "nav": "members",
    }


@login_required
def members(request: AuthedRequest, org: str) -> HttpResponse:
    """Everyone sees who is in the organization; org admins also invite and manage roles."""
    membership = access.membership_for(request.user, org)
    invite_form = InvitationForm(request.POST or None)
    if request.method == "POST":
        access.membership_for(request.user, org, predicate=access.MANAGE)
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


@login_required
@require_POST
def member_role(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    target = _access_membership(request.user, pk, org_slug=org, predicate=access.MANAGE)
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


@login_required
@require_POST
def member_remove(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Admins remove anyone; any member may remove themselves (leave)."""
    target = _access_membership(request.user, pk, org_slug=org)
    leaving = target.user_id == request.user.pk
    if not leaving:
        access.membership_for(request.user, org, predicate=access.MANAGE)
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


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    invitation = _access_invitation(request.user, pk, org_slug=org, predicate=access.MANAGE)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("members", org=org)


# Workstream templates


@login_required
def template_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.membership_for(request.user, org, predicate=access.MANAGE)
    templates = WorkstreamTemplate.objects.filter(organization=membership.organization)
    return render(
        request,
        "readiness/template_list.html",
        {"membership": membership, "templates": templates, "nav": "settings"},
    )


@login_required
def template_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    template = _access_template(request.user, pk, org_slug=org, predicate=access.MANAGE)
    form = WorkstreamTemplateForm.for_template(template, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workstream_template_update(
                actor=request.user,
                template=template,
                name=form.cleaned_data["name"],
                purpose=form.cleaned_data["purpose"],
                items=form.item_lines(),
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
