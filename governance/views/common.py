"""What every governance page needs."""

from __future__ import annotations

from typing import Any

from readiness.models import Membership, Perm


def page_context(membership: Membership, nav: str = "governance", **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": nav,
        "may_sign_off": membership.allows(Perm.SIGN_OFF),
        "may_submit": membership.allows(Perm.EDIT),
        "may_govern": membership.allows(Perm.GOVERN),
        "may_registry": membership.allows(Perm.REGISTRY),
        "is_admin": membership.is_admin,
        **extra,
    }
