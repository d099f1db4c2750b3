"""One lookup per governance object type, on the one access path (:mod:`readiness.access`).

An object outside the caller's organizations answers Http404 exactly like a missing one; a
member whose role does not allow the action gets PermissionDenied. Role rules are predicates on
Membership, named by :class:`readiness.models.Perm`:

- ``SIGN_OFF`` (approve, reject, mark not applicable): governance reviewers; org admins only
  when the organization allows it;
- ``EDIT`` (submit and withdraw evidence, apply templates, edit policies): org admins and
  program managers;
- ``GOVERN`` (open and update incidents, assign reviewers and due dates): admins, program
  managers, reviewers;
- ``REGISTRY``: reviewers and admins; ``ADMINISTER`` (templates, framework tags, settings):
  org admins.
"""

from __future__ import annotations

from typing import Any

from governance.models import (
    ApprovedModel,
    ChecklistTemplate,
    Evidence,
    FrameworkControl,
    GovernanceItem,
    Incident,
    TemplateItem,
)
from readiness.access import get_scoped
from readiness.models import Membership, Perm


def access_item(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> GovernanceItem:
    return get_scoped(
        GovernanceItem.objects.select_related(
            "checklist__use_case__organization", "assigned_reviewer", "decided_by"
        ),
        who,
        pk,
        org_path="checklist__use_case__organization",
        perm=perm,
    )


def access_evidence(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Evidence:
    return get_scoped(
        Evidence.objects.select_related("item__checklist__use_case__organization", "submitted_by"),
        who,
        pk,
        org_path="item__checklist__use_case__organization",
        perm=perm,
    )


def access_template(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> ChecklistTemplate:
    """An organization's own template, or a built-in one (visible to every member; asking a
    ``perm`` on it is refused: copy it first)."""
    return get_scoped(
        ChecklistTemplate.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
        shared=True,
    )


def access_template_item(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> TemplateItem:
    return get_scoped(
        TemplateItem.objects.select_related("template__organization"),
        who,
        pk,
        org_path="template__organization",
        perm=perm,
    )


def access_control(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> FrameworkControl:
    """A framework control the organization sees: built-in or its own."""
    return get_scoped(
        FrameworkControl.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
        shared=True,
    )


def access_approved_model(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> ApprovedModel:
    return get_scoped(
        ApprovedModel.objects.select_related("organization", "approved_by"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_incident(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Incident:
    return get_scoped(
        Incident.objects.select_related("use_case__organization", "use_case__owner", "opened_by"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )
