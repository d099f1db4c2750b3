"""Domain events that leave the application (webhooks, chat messages), without readiness
knowing who listens.

A service that does something other systems care about calls :func:`emit` inside its
transaction; listeners (the ``webhooks`` app) register with :func:`register_event_listener`
and must defer any network call with ``transaction.on_commit``.

Event names: ``gate.passed``, ``gate.refused``, ``signoff.recorded``, ``incident.opened``,
``scale.decided``. The payload is JSON-serialisable and names the use case by id and name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readiness.models import Organization

EVENTS: dict[str, str] = {
    "gate.passed": "A gate was passed",
    "gate.refused": "A gate was refused",
    "signoff.recorded": "A governance sign-off was recorded",
    "incident.opened": "An incident was opened",
    "scale.decided": "A scale decision was made",
}

EventListener = Callable[..., None]
_listeners: dict[str, EventListener] = {}


def register_event_listener(name: str, listener: EventListener) -> None:
    """``listener(organization=, event=, payload=)`` runs inside the emitting transaction."""
    _listeners[name] = listener


def emit(*, organization: Organization, event: str, payload: dict[str, Any]) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}")
    for listener in _listeners.values():
        listener(organization=organization, event=event, payload=payload)
