"""Who may do what in governance, and one lookup per object type.

Lookups follow :mod:`readiness.access`: an object outside the user's organizations answers
Http404 exactly like a missing one; a member whose role does not allow the action gets
PermissionDenied. Role rules:

- sign off (approve, reject, mark not applicable): governance reviewers; org admins only when
  the organization's governance settings allow it (:func:`may_sign_off`);
- submit and withdraw evidence, apply templates, edit policies: org admins and program managers;
- open and update incidents, assign reviewers and due dates: admins, program managers, reviewers;
- the registry: reviewers and admins; templates and framework tags: org admins.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

from governance.models import (
    ApprovedModel,
    ChecklistTemplate,
    Evidence,
    FrameworkControl,
    GovernanceItem,
    GovernanceSettings,
    Incident,
    TemplateItem,
)
from readiness.access import membership_of
from readiness.models import Membership, Role

M = TypeVar("M", bound=models.Model)

# Actions, each a rule on a membership (see the functions below).
SIGN_OFF = "sign_off"
SUBMIT = "submit"
GOVERN = "govern"
REGISTRY = "registry"
ADMIN = "admin"


def admins_may_sign_off(organization_id: int) -> bool:
    return GovernanceSettings.objects.filter(
        organization_id=organization_id, admins_may_sign_off=True
    ).exists()


def may_sign_off(membership: Membership) -> bool:
    if membership.role == Role.GOVERNANCE_REVIEWER:
        return True
    return membership.is_admin and admins_may_sign_off(membership.organization_id)


RULES = {
    SIGN_OFF: may_sign_off,
    SUBMIT: lambda m: m.can_edit_use_cases,
    GOVERN: lambda m: m.can_edit_use_cases or m.role == Role.GOVERNANCE_REVIEWER,
    REGISTRY: lambda m: m.role in (Role.ORG_ADMIN, Role.GOVERNANCE_REVIEWER),
    ADMIN: lambda m: m.is_admin,
}
MESSAGES = {
    SIGN_OFF: "Only governance reviewers sign off here.",
    SUBMIT: "Only program managers and org admins submit evidence or change this.",
    GOVERN: "Viewers and executives cannot change governance records.",
    REGISTRY: "Only governance reviewers and org admins change the registry.",
    ADMIN: "Only org admins change templates and governance settings.",
}


def allowed(membership: Membership, action: str) -> bool:
    return bool(RULES[action](membership))


def require(actor: Any, organization_id: int, action: str) -> Membership:
    """The actor's membership if it allows ``action``; else PermissionDenied. Services call it."""
    membership = membership_of(actor, organization_id)
    if not allowed(membership, action):
        raise PermissionDenied(MESSAGES[action])
    return membership


def _get(queryset: models.QuerySet[M], user: Any, pk: Any, org_q: Q, *, action: str | None) -> M:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        obj = queryset.filter(org_q, pk=int(pk)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    return obj


def _scope(path: str, user: Any, org_slug: str | None) -> Q:
    q = Q(**{f"{path}__memberships__user": user})
    if org_slug is not None:
        q &= Q(**{f"{path}__slug": org_slug})
    return q


def _check(user: Any, organization_id: int, action: str | None) -> None:
    if action:
        require(user, organization_id, action)


def access_item(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> GovernanceItem:
    item = _get(
        GovernanceItem.objects.select_related(
            "checklist__use_case__organization", "assigned_reviewer", "decided_by"
        ),
        user,
        pk,
        _scope("checklist__use_case__organization", user, org_slug),
        action=action,
    )
    _check(user, item.checklist.use_case.organization_id, action)
    return item


def access_evidence(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> Evidence:
    evidence = _get(
        Evidence.objects.select_related("item__checklist__use_case__organization", "submitted_by"),
        user,
        pk,
        _scope("item__checklist__use_case__organization", user, org_slug),
        action=action,
    )
    _check(user, evidence.item.checklist.use_case.organization_id, action)
    return evidence


def access_template(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> ChecklistTemplate:
    """An organization's own template, or a built-in one (visible to every member).

    Changing a built-in template is refused by the services (copy it first).
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    own = _scope("organization", user, org_slug)
    template = _get(
        ChecklistTemplate.objects.select_related("organization"),
        user,
        pk,
        own | Q(organization__isnull=True),
        action=action,
    )
    if action:
        if template.organization_id is None:
            raise PermissionDenied("Built-in templates cannot be changed; copy one instead.")
        _check(user, template.organization_id, action)
    return template


def access_template_item(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> TemplateItem:
    item = _get(
        TemplateItem.objects.select_related("template__organization"),
        user,
        pk,
        _scope("template__organization", user, org_slug),
        action=action,
    )
    assert item.template.organization_id is not None
    _check(user, item.template.organization_id, action)
    return item


def access_control(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> FrameworkControl:
    control = _get(
        FrameworkControl.objects.all(),
        user,
        pk,
        _scope("organization", user, org_slug) | Q(organization__isnull=True),
        action=action,
    )
    if action and control.organization_id is not None:
        _check(user, control.organization_id, action)
    return control


def access_approved_model(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> ApprovedModel:
    entry = _get(
        ApprovedModel.objects.select_related("organization", "approved_by"),
        user,
        pk,
        _scope("organization", user, org_slug),
        action=action,
    )
    _check(user, entry.organization_id, action)
    return entry


def access_incident(
    user: Any, pk: Any, *, org_slug: str | None = None, action: str | None = None
) -> Incident:
    incident = _get(
        Incident.objects.select_related("use_case__organization", "use_case__owner", "opened_by"),
        user,
        pk,
        _scope("use_case__organization", user, org_slug),
        action=action,
    )
    _check(user, incident.use_case.organization_id, action)
    return incident
