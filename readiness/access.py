"""The one access path: look an object up within the caller's organizations and check the role.

Every app's ``access_<thing>`` function is :func:`get_scoped` with its queryset and the path
from the object to its organization. The caller is either

* a :class:`Membership` (pages under ``/o/<org>/``: :class:`readiness.middleware.
  OrganizationMiddleware` resolved it once for the request): the object must belong to that
  organization, and the role is checked on the membership itself, without another query; or
* a user (the API, where the URL names no organization): the object must belong to one of the
  user's organizations, and the role is checked on the membership of the object's one.

An object that does not exist and one in an organization the caller does not belong to both
raise Http404, so that ids of other tenants leak nothing. A member whose role does not allow the
action gets PermissionDenied (403) with a sentence saying who may. Roles are only ever asked
through :class:`readiness.models.Perm`, the predicates on Membership.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from readiness.models import (
    PERM_DENIED,
    ChecklistItem,
    Comment,
    Integration,
    Invitation,
    Membership,
    Perm,
    Phase,
    UseCase,
    Workstream,
    WorkstreamTemplate,
)

M = TypeVar("M", bound=models.Model)

# Kept as names for the most common permissions, so call sites read as before.
WRITE = Perm.EDIT
MANAGE = Perm.ADMINISTER


def require(membership: Membership, perm: Perm | None) -> Membership:
    """The membership itself if its role allows ``perm`` (or no perm is asked); else 403."""
    if perm is not None and not membership.allows(perm):
        raise PermissionDenied(
            f"{PERM_DENIED[perm]} Your role here is {membership.get_role_display().lower()}."
        )
    return membership


def membership_for(user: Any, org_slug: str, *, perm: Perm | None = None) -> Membership:
    """The user's membership of the organization with this slug (404 if none, 403 if the role
    does not allow ``perm``). Pages get it from the request instead (``request.membership``)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such organization")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization")
    return require(membership, perm)


def membership_of(user: Any, organization_id: int, *, perm: Perm | None = None) -> Membership:
    """The actor's membership by organization id; services use it to check who acts.

    Raises PermissionDenied for a non-member: by the time a service runs, the object was
    already found, so hiding it is the access layer's job, not the service's.
    """
    membership = None
    if getattr(user, "is_authenticated", False):
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=user, organization_id=organization_id)
            .first()
        )
    if membership is None:
        raise PermissionDenied("You are not a member of this organization.")
    return require(membership, perm)


def org_id_of(obj: models.Model, org_path: str | tuple[str, ...]) -> int | None:
    """The organization id reached from ``obj`` along ``org_path`` (``use_case__organization``)
    through the already loaded relations: the first of several paths that leads somewhere;
    None for a shared (built-in) object."""
    for path in (org_path,) if isinstance(org_path, str) else org_path:
        *hops, last = path.split("__")
        current: Any = obj
        for hop in hops:
            current = getattr(current, hop)
            if current is None:
                break
        else:
            return getattr(current, f"{last}_id")
    return None


def get_scoped(
    queryset: models.QuerySet[M],
    who: Membership | Any,
    pk: Any,
    *,
    org_path: str | tuple[str, ...],
    perm: Perm | None = None,
    shared: bool = False,
) -> M:
    """The object with this pk among those ``who`` may see, after checking ``perm``.

    ``who`` is the request's Membership (pages) or a user (API). ``org_path`` leads from the
    object to its organization (``"organization"``, ``"use_case__organization"``), or is a
    tuple of such paths of which the object follows one (a checklist item hangs off a
    workstream or a phase). With
    ``shared``, objects without an organization (built-in templates, catalog entries) are
    visible to every member; asking a ``perm`` on one of them raises PermissionDenied, since
    built-in objects are never changed in place.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(f"No such {queryset.model._meta.verbose_name}") from None
    paths = (org_path,) if isinstance(org_path, str) else org_path
    if shared and len(paths) > 1:
        raise ValueError("shared objects have a single path to their organization")
    scope = models.Q()
    for path in paths:
        if isinstance(who, Membership):
            scope |= models.Q(**{f"{path}_id": who.organization_id})
        elif getattr(who, "is_authenticated", False):
            scope |= models.Q(**{f"{path}__memberships__user": who})
        else:
            raise Http404
        if shared:
            scope |= models.Q(**{f"{path}__isnull": True})
    obj = queryset.filter(scope, pk=pk).first()
    if obj is None:
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    if perm is not None:
        org_id = org_id_of(obj, org_path)
        if org_id is None:
            raise PermissionDenied("Built-in entries cannot be changed; copy one instead.")
        if isinstance(who, Membership):
            require(who, perm)
        else:
            membership_of(who, org_id, perm=perm)
    return obj


def access_use_case(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> UseCase:
    return get_scoped(
        UseCase.objects.select_related("organization", "owner"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_workstream(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Workstream:
    return get_scoped(
        Workstream.objects.select_related("use_case__organization", "owner"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )


def access_phase(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Phase:
    return get_scoped(
        Phase.objects.select_related("use_case__organization"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )


def access_checklist_item(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> ChecklistItem:
    """A workstream item or an exit criterion: one hangs off a workstream, the other a phase."""
    return get_scoped(
        ChecklistItem.objects.select_related(
            "workstream__use_case__organization", "phase__use_case__organization", "done_by"
        ),
        who,
        pk,
        org_path=("workstream__use_case__organization", "phase__use_case__organization"),
        perm=perm,
    )


def access_integration(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Integration:
    return get_scoped(
        Integration.objects.select_related("use_case__organization", "use_case__owner", "owner"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )


def access_membership(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Membership:
    """Another member of the caller's organization (the members page)."""
    return get_scoped(
        Membership.objects.select_related("user", "organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_invitation(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Invitation:
    return get_scoped(
        Invitation.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_workstream_template(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> WorkstreamTemplate:
    return get_scoped(
        WorkstreamTemplate.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_comment(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Comment:
    """A comment of the caller's organization (who may edit or delete it is the service's
    rule: its author, or an org admin to delete)."""
    return get_scoped(
        Comment.objects.select_related("organization", "use_case", "author", "target_type"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )
