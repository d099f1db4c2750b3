"""What every adoption page of a use case needs."""

from __future__ import annotations

from typing import Any

from readiness.models import Membership, UseCase
from readiness.views.use_cases import use_case_context


def page_context(membership: Membership, use_case: UseCase, **extra: Any) -> dict[str, Any]:
    """The use case's header and tabs (on the adoption tab), and whether the member manages the
    rollout."""
    context = use_case_context(membership, use_case, "adoption")
    context.update(may_manage=membership.can_edit_use_cases, **extra)
    return context
