"""The state of an organization's content, for pages that render once per state and share it.

Every write is audited, and every audit record moves its organization's chain head, locked
until the write commits (:mod:`readiness.audit.record`): so the head's content sequence (the
newest record that is not a routine batch of samples) names every committed change a page
without metrics shows. A page rendered after reading it is at least as fresh as that state, and
another reader who reads the same state may be shown it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.http import QueryDict
from django.utils.translation import get_language

from readiness.models import AuditChainHead

# How long a page rendered for one state is offered to the others. The key names the state,
# so this only bounds what the cache holds, and how long a person's changed name (their own
# profile, which no organization's records follow) takes to show.
SHARED_SECONDS = 60


def content_state(organization_id: int, today: dt.date) -> str:
    """The organization's content sequence and the day (plan days and lateness move with it).
    One query."""
    sequence = (
        AuditChainHead.objects.filter(pk=organization_id)
        .values_list("content_sequence", flat=True)
        .first()
    )
    return f"{today.isoformat()}:{sequence or 0}"


def shared_key(
    name: str, organization_id: int, state: str, query: QueryDict, *extra: object
) -> str:
    """The cache key of what page ``name`` renders for this state, query string (filters,
    sort, page: its links carry them), the reader's language and ``extra`` (what else the
    rendering depends on, e.g. whether the reader may edit)."""
    pairs = "&".join(sorted(f"{k}={v}" for k, values in query.lists() for v in values))
    digest = hashlib.sha256(pairs.encode()).hexdigest()[:32]
    rest = ":".join(str(e) for e in extra)
    return f"shared:{name}:{organization_id}:{state}:{get_language()}:{digest}:{rest}"
