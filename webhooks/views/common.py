"""What every webhooks page needs."""

from __future__ import annotations

from typing import Any

from readiness.models import Membership
from webhooks import signing


def page_context(membership: Membership, section: str, **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": "webhooks",
        "section": section,
        "signature_header": signing.HEADER,
        **extra,
    }
