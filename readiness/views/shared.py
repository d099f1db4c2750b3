"""Rendering once per state: what a page renders for one state of the organization is kept in
the cache under that state (``readiness.selectors.state.shared_key``) and shown to every reader
who reads the same state, and while one reader renders it the others wait for it rather than
render it too (a new state after a roll-up would otherwise be rendered by every reader at once,
each slower for the others)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from readiness.selectors.state import SHARED_SECONDS

T = TypeVar("T")

# A reader that finds another rendering the same state waits this long for it at most, then
# renders it itself (the other may have failed, or the cache may be down).
WAIT_SECONDS = 2.0
_POLL_SECONDS = 0.02


def rendered_once(key: str, render: Callable[[], T]) -> T:
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
