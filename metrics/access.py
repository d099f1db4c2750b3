"""One lookup per metrics object type, on the one access path (:mod:`readiness.access`).

A missing object and another organization's both give 404; a member whose role does not allow
the action gets 403.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from metrics.ingestion.auth import MachineClient
from metrics.models import ApiToken, CsvUpload, MetricDefinition, RollupFailure
from readiness.access import access_use_case, get_scoped
from readiness.models import Membership, Perm, UseCase


def access_api_token(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> ApiToken:
    """An API token of the organization (pages pass ``Perm.ADMINISTER``: only org admins see
    tokens)."""
    return get_scoped(
        ApiToken.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_upload(who: Membership | Any, pk: Any, *, perm: Perm | None = None) -> CsvUpload:
    """A CSV upload of the organization. Any member may see an upload's progress; downloads
    of rejected rows pass ``perm`` (the rows may hold production data)."""
    return get_scoped(
        CsvUpload.objects.select_related("organization", "uploaded_by").defer("content"),
        who,
        pk,
        org_path="organization",
        perm=perm,
    )


def access_metric_definition(
    who: Membership | Any, pk: Any, *, perm: Perm | None = None
) -> MetricDefinition:
    """A metric the organization sees: built-in or its own (built-in ones are never changed)."""
    return get_scoped(
        MetricDefinition.objects.select_related("organization"),
        who,
        pk,
        org_path="organization",
        perm=perm,
        shared=True,
    )


def access_use_case_figures(who: Any, pk: Any) -> UseCase:
    """A use case whose figures ``who`` may read: a member of its organization (any role), or
    a machine client (API token) of its organization, within the token's use cases when it is
    limited to some. 404 otherwise, as for a missing one."""
    if not isinstance(who, MachineClient):
        return access_use_case(who, pk)
    found = UseCase.objects.select_related("organization").filter(
        pk=pk, organization_id=who.organization_id
    )
    if who.allowed_use_case_ids is not None:
        found = found.filter(pk__in=who.allowed_use_case_ids)
    use_case = found.first()
    if use_case is None:
        raise Http404("No such use case")
    return use_case


def access_rollup_failure(who: Membership | Any, pk: Any) -> RollupFailure:
    """A failed roll-up of one of the organization's use cases (org admins: they retry it)."""
    return get_scoped(
        RollupFailure.objects.select_related("use_case__organization", "metric"),
        who,
        pk,
        org_path="use_case__organization",
        perm=Perm.ADMINISTER,
    )
