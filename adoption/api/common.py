"""What the adoption API modules share: the tag, the body checks, people by email."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request

from readiness import access
from readiness.models import Organization, Perm, User

TAG = "adoption"
OK = OpenApiResponse(description="Acknowledged.")


def members_by_email(
    organization: Organization, emails: list[str] | None, field: str
) -> list[User] | None:
    """Members of the organization with these emails; unknown or outside ones are a 400."""
    if emails is None:
        return None
    wanted = {e.lower() for e in emails}
    found = list(
        User.objects.filter(memberships__organization=organization, email__in=wanted).distinct()
    )
    missing = wanted - {u.email for u in found}
    if missing:
        raise ValidationError(
            {field: f"Not members of {organization.name}: {', '.join(sorted(missing))}."}
        )
    return found


def body_of(request: Request) -> Any:
    """The request body, which must be one JSON object."""
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": "Send one JSON object with the fields to save."})
    return request.data


def use_case_for_write(request: Request) -> Any:
    """The use case named in the body, checked for the manage role (404, then 403)."""
    pk = body_of(request).get("use_case")
    if pk in (None, ""):
        raise ValidationError({"use_case": "Name the use case (its id)."})
    return access.access_use_case(request.user, pk, perm=Perm.EDIT)


class UseCaseFilter(filters.FilterSet):
    use_case = filters.NumberFilter(field_name="use_case_id", help_text="Id of a use case.")
