"""The state of an organization's content, for pages that render once per state and share it.

What a page renders (or a selector computes) for one state is kept in the cache under that
state and given to every reader who reads the same state (:func:`once_per_state`); while one
reader renders it, the others wait for it rather than render it too (a new state after a
roll-up would otherwise be rendered by every reader at once, each slower for the others).

Every write is audited, and every audit record moves its organization's chain head, locked
until the write commits (:mod:`readiness.audit.record`): so the head's content sequence (the
newest record that is not a routine batch of samples) names every committed change a page
without metrics shows. A page rendered after reading it is at least as fresh as that state, and
another reader who reads the same state may be shown it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
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


T = TypeVar("T")

# A reader that finds another rendering the same state waits this long for it at most, then
# renders it itself (the other may have been killed, or the cache may be down; one that fails
# lets the waiters know at once). Longer than a slow render under load: a waiter that gives up
# early renders beside the other and slows both.
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.02


def once_per_state(key: str, render: Callable[[], T]) -> T:
    """What ``render()`` gives for the state named by ``key``: from the cache, or rendered
    here (and kept), or, while another reader renders it, theirs once it is kept."""
    found: T | None = cache.get(key)
    if found is not None:
        return found
    rendering = f"{key}:rendering"
    if not cache.add(rendering, 1, int(WAIT_SECONDS) + 1):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
            found = cache.get(key)
            if found is not None:
                return found
            if cache.get(rendering) is None:  # the other reader gave up: render it here
                break
    try:
        value = render()
        cache.set(key, value, SHARED_SECONDS)
    finally:
        cache.delete(rendering)
    return value
