"""Helpers the adoption services share."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from readiness.models import Membership, Organization, User


def people_emails(users: Iterable[User]) -> list[str]:
    """People as they stand in an audit record: their emails, sorted."""
    return sorted(u.email for u in users)


def check_members(organization: Organization, users: Iterable[User], field: str) -> None:
    """ValidationError on ``field`` naming everyone who does not belong to the organization."""
    users = list(users)
    member_ids = set(
        Membership.objects.filter(
            organization=organization, user_id__in=[u.pk for u in users]
        ).values_list("user_id", flat=True)
    )
    outsiders = [u.display_name for u in users if u.pk not in member_ids]
    if outsiders:
        raise ValidationError(
            {field: f"Not members of {organization.name}: {', '.join(sorted(outsiders))}."}
        )
