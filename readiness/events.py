"""Domain events: how readiness tells the apps above it what happened, without importing them.

This and the gate's checks are the only registries in the project: readiness is the ground
floor and may not import governance, metrics, adoption or webhooks, yet some of their work must
follow from its changes. A service publishes a typed event inside its transaction; subscribers
registered from an ``AppConfig.ready`` run in the same transaction, in registration order, and
must defer any network call with ``transaction.on_commit`` (a task:
``readiness.outbox.enqueue``). Everything else is a plain import from above (see
docs/architecture.md).

Internal events:

* :class:`UseCaseCreated`: governance gives the new use case its default checklist.
* :class:`MaterialChange`: something a passed gate rested on changed (a new behavior spec
  version, the model or provider, a high-severity incident); governance sends that gate's
  approvals back to review.
* :class:`GatePassed`: a use case moved to its next phase or into production; governance's
  workstream items, which follow the checklist up to the gate in front, follow the new gate.
* :class:`UseCasesChanged`: something was written that a use case's readiness may rest on.
  :func:`readiness.audit.record.audit_record` publishes it for every audited change (every
  write is audited), and writers of derived figures that are not audited (metric roll-ups)
  publish it themselves. The executive app keeps each use case's judged readiness stored and
  marks it stale on this event.

Outbound events (:class:`Outbound`, sent by :func:`emit`) leave the application through the
webhooks app: ``gate.passed``, ``gate.refused``, ``signoff.recorded``, ``incident.opened``,
``scale.decided``. Their payload is JSON-serialisable and names the use case by id and name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from readiness.models import Organization, UseCase

EVENTS: dict[str, str] = {
    "gate.passed": "A gate was passed",
    "gate.refused": "A gate was refused",
    "signoff.recorded": "A governance sign-off was recorded",
    "incident.opened": "An incident was opened",
    "scale.decided": "A scale decision was made",
}


@dataclass(frozen=True)
class UseCaseCreated:
    use_case: UseCase
    actor: Any


@dataclass(frozen=True)
class MaterialChange:
    use_case: UseCase
    actor: Any
    kind: str  # "behavior_spec", "model_provider", "incident", ...
    description: str  # what changed, in words a reviewer reads


@dataclass(frozen=True)
class GatePassed:
    use_case: UseCase
    actor: Any
    target: str  # "phase:2", "phase:3" or "production"


@dataclass(frozen=True)
class UseCasesChanged:
    """These use cases' data changed in the current transaction; ``use_case_ids`` None: the
    change is the organization's (a metric definition, a template), so any of its use cases."""

    organization_id: int | None
    use_case_ids: tuple[int, ...] | None
    action: str  # the audit action, or what wrote outside the audit (e.g. "metrics.rollup")


@dataclass(frozen=True)
class Outbound:
    organization: Organization
    name: str  # a key of EVENTS
    payload: dict[str, Any]


E = TypeVar("E")
_subscribers: dict[type, dict[str, Callable[[Any], object]]] = defaultdict(dict)


def subscribe(event_type: type[E], name: str, handler: Callable[[E], object]) -> None:
    """Call ``handler(event)`` for every event of this type; the same name again replaces it."""
    _subscribers[event_type][name] = handler


def publish(event: object) -> None:
    """Run every subscriber of the event's type, in registration order, in the caller's
    transaction (an exception rolls the whole change back)."""
    for handler in list(_subscribers[type(event)].values()):
        handler(event)


def emit(*, organization: Organization, event: str, payload: dict[str, Any]) -> None:
    """Publish an outbound event by name (ValueError for an unknown name)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}")
    publish(Outbound(organization=organization, name=event, payload=payload))
