"""Who may do what in the adoption rollout, and one lookup per object type.

Lookups follow :mod:`readiness.access`: an object outside the user's organizations answers
Http404 exactly like a missing one; a member whose role does not allow the action gets
PermissionDenied. Role rules:

- manage cohorts, training records, usage boundaries and the iteration log: program managers
  and org admins (``readiness.access.WRITE``);
- give weekly feedback: any member of the organization who is a member of a live cohort
  (whatever their role), checked by the feedback service;
- read and acknowledge the usage boundaries: every member.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

from adoption.models import Cohort, IterationEntry
from readiness.access import WRITE, membership_of

MANAGE = WRITE

M = TypeVar("M", bound=models.Model)


def _get(
    queryset: models.QuerySet[M], user: Any, pk: Any, *, org_slug: str | None, predicate: str | None
) -> M:
    if not getattr(user, "is_authenticated", False):
        raise Http404
    filters: dict[str, Any] = {"use_case__organization__memberships__user": user}
    if org_slug is not None:
        filters["use_case__organization__slug"] = org_slug
    try:
        obj = queryset.filter(pk=int(pk), **filters).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    if predicate:
        membership_of(user, obj.use_case.organization_id, predicate=predicate)  # type: ignore[attr-defined]
    return obj


def access_cohort(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> Cohort:
    return _get(
        Cohort.objects.select_related("use_case__organization"),
        user,
        pk,
        org_slug=org_slug,
        predicate=predicate,
    )


def access_iteration_entry(
    user: Any, pk: Any, *, org_slug: str | None = None, predicate: str | None = None
) -> IterationEntry:
    return _get(
        IterationEntry.objects.select_related("use_case__organization", "recorded_by"),
        user,
        pk,
        org_slug=org_slug,
        predicate=predicate,
    )
