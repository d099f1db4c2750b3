"""What every metrics page needs."""

from __future__ import annotations

from typing import Any

from readiness.models import Membership


def page_context(membership: Membership, nav: str = "metrics", **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": nav,
        **extra,
    }
