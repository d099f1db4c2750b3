"""One access function per object type: look it up within the user's organizations and check the role.

An object that does not exist and one in an organization the user does not belong to both
raise Http404, so that ids of other tenants leak nothing. A member whose role does not allow
the action gets PermissionDenied (403). Pass ``org_slug`` where the URL names the organization.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from readiness.models import ChecklistItem, Membership, Phase, UseCase, Workstream

# Predicates on Membership (see Membership.can_*).
WRITE = "can_edit_use_cases"
MANAGE = "can_manage_members"

M = TypeVar("M", bound=models.Model)


def _require(membership: Membership, predicate: str | None) -> None:
    if predicate and not getattr(membership, predicate):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) does not allow this.")


def membership_for(user: Any, org_slug: str, *, predicate: str | None = None) -> Membership:
    """The user's membership of the organization with this slug (404 if none)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such organization")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization")
    _require(membership, predicate)
    return membership


def membership_of(user: Any, organization_id: int, *, predicate: str | None = None) -> Membership:
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
    _require(membership, predicate)
    return membership


def _scoped_get(
    queryset: models.QuerySet[M],
    user: Any,
    pk: Any,
    *,
    org_path: str,
    org_slug: str | None,
    predicate: str | None,
) -> M:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    filters: dict[str, Any] = {f"{org_path}__memberships__user": user}
    if org_slug is not None:
        filters[f"{org_path}__slug"] = org_slug
    try:
        obj = queryset.filter(pk=int(pk), **filters).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    if predicate:
        org_id = _org_id(obj, org_path)
        membership_of(user, org_id, predicate=predicate)
    return obj


def _org_id(obj: models.Model, org_path: str) -> int:
    current: Any = obj
    for part in org_path.split("__"):
        current = getattr(current, part)
    return int(current.pk)


def access_use_case(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> UseCase:
    return _scoped_get(
        UseCase.objects.select_related("organization", "owner"),
        user,
        pk,
        org_path="organization",
        org_slug=org_slug,
        predicate=predicate,
    )


def access_workstream(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> Workstream:
    return _scoped_get(
        Workstream.objects.select_related("use_case__organization", "owner"),
        user,
        pk,
        org_path="use_case__organization",
        org_slug=org_slug,
        predicate=predicate,
    )


def access_phase(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> Phase:
    return _scoped_get(
        Phase.objects.select_related("use_case__organization"),
        user,
        pk,
        org_path="use_case__organization",
        org_slug=org_slug,
        predicate=predicate,
    )


def access_checklist_item(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> ChecklistItem:
    """A checklist item hangs off a workstream or a phase; both routes lead to the use case."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    base = ChecklistItem.objects.select_related(
        "workstream__use_case__organization", "phase__use_case__organization", "done_by"
    )
    via_ws = models.Q(workstream__use_case__organization__memberships__user=user)
    via_phase = models.Q(phase__use_case__organization__memberships__user=user)
    if org_slug is not None:
        via_ws &= models.Q(workstream__use_case__organization__slug=org_slug)
        via_phase &= models.Q(phase__use_case__organization__slug=org_slug)
    try:
        item = base.filter(via_ws | via_phase, pk=int(pk)).first()
    except (TypeError, ValueError):
        item = None
    if item is None:
        raise Http404("No such checklist item")
    if predicate:
        parent = item.workstream or item.phase
        assert parent is not None
        membership_of(user, parent.use_case.organization_id, predicate=predicate)
    return item
