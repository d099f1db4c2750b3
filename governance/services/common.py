"""Helpers shared by the governance services: who reviews, and notifying them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from governance.access import admins_may_sign_off
from readiness.models import Organization, Role, UseCase


def reviewers_of(organization: Organization) -> QuerySet[Any]:
    """Everyone who may sign off in the organization: reviewers, and admins where allowed."""
    roles = [Role.GOVERNANCE_REVIEWER]
    if admins_may_sign_off(organization.pk):
        roles.append(Role.ORG_ADMIN)
    User = get_user_model()
    return User.objects.filter(
        memberships__organization=organization, memberships__role__in=roles
    ).order_by("pk")


def is_member(organization: Organization, user: Any) -> bool:
    return bool(user) and user.memberships.filter(organization=organization).exists()


def use_case_label(use_case: UseCase) -> str:
    return f"{use_case.name}"


def passed_gate_phases(use_case: UseCase) -> list[int]:
    """The phases whose gate this use case has already passed."""
    if use_case.status in ("production", "scaled", "retired"):
        return [1, 2, 3]
    return list(range(1, use_case.current_phase))


def q_org_reviewers(organization: Organization) -> Q:
    return Q(memberships__organization=organization)
