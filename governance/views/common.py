"""What every governance page needs."""

from __future__ import annotations

from typing import Any

from governance import access as gaccess
from readiness.models import Membership


def page_context(membership: Membership, nav: str = "governance", **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": nav,
        "may_sign_off": gaccess.allowed(membership, gaccess.SIGN_OFF),
        "may_submit": gaccess.allowed(membership, gaccess.SUBMIT),
        "may_govern": gaccess.allowed(membership, gaccess.GOVERN),
        "may_registry": gaccess.allowed(membership, gaccess.REGISTRY),
        "is_admin": membership.is_admin,
        **extra,
    }
