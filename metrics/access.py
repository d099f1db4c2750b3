"""Look up metrics objects within the user's organization and check the role together.

As in :mod:`readiness.access`: a missing object and another organization's both give 404; a
member whose role does not allow the action gets 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from metrics.models import ApiToken, CsvUpload, MetricDefinition
from readiness.access import membership_for
from readiness.models import Membership

ADMIN = "is_admin"


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def access_api_token(user: Any, pk: Any, *, org_slug: str) -> tuple[Membership, ApiToken]:
    """An API token of the organization; org admins only (others get 403 before the lookup)."""
    membership = membership_for(user, org_slug, predicate=ADMIN)
    token = (
        ApiToken.objects.select_related("organization")
        .filter(pk=_int(pk), organization=membership.organization)
        .first()
    )
    if token is None:
        raise Http404("No such API token")
    return membership, token


def access_upload(
    user: Any, pk: Any, *, org_slug: str, predicate: str | None = None
) -> tuple[Membership, CsvUpload]:
    """A CSV upload of the organization. Any member may see an upload's progress; downloads
    of rejected rows pass ``predicate`` (the rows may hold production data)."""
    membership = membership_for(user, org_slug, predicate=predicate)
    upload = (
        CsvUpload.objects.select_related("organization", "uploaded_by")
        .defer("content")
        .filter(pk=_int(pk), organization=membership.organization)
        .first()
    )
    if upload is None:
        raise Http404("No such upload")
    return membership, upload


def access_metric_definition(
    user: Any, pk: Any, *, org_slug: str, predicate: str | None = None
) -> tuple[Membership, MetricDefinition]:
    """A metric the organization sees: built-in or its own."""
    membership = membership_for(user, org_slug, predicate=predicate)
    definition = (
        MetricDefinition.objects.filter(
            Q(organization__isnull=True) | Q(organization=membership.organization), pk=_int(pk)
        )
        .select_related("organization")
        .first()
    )
    if definition is None:
        raise Http404("No such metric")
    return membership, definition
