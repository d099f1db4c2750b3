"""One lookup per adoption object type, on the one access path (:mod:`readiness.access`).

An object outside the caller's organizations answers Http404 exactly like a missing one; a
member whose role does not allow the action gets PermissionDenied. Role rules:

- manage cohorts, training records, usage boundaries and the iteration log: ``Perm.EDIT``
  (program managers and org admins);
- give weekly feedback: any member of the organization who is a member of a live cohort
  (whatever their role), checked by the feedback service;
- read and acknowledge the usage boundaries: every member.
"""

from __future__ import annotations

from typing import Any

from adoption.models import Cohort, IterationEntry
from readiness.access import get_scoped
from readiness.models import Membership, Perm


def access_cohort(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> Cohort:
    return get_scoped(
        Cohort.objects.select_related("use_case__organization"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )


def access_iteration_entry(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> IterationEntry:
    return get_scoped(
        IterationEntry.objects.select_related("use_case__organization", "recorded_by"),
        who,
        pk,
        org_path="use_case__organization",
        perm=perm,
    )
