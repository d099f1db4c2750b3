"""A refused phase transition, kept in the session between the POST that was refused and
the overview the browser is redirected to (post/redirect/get)."""

from __future__ import annotations

from readiness.gate import Blocker, Target
from readiness.models import UseCase
from readiness.views.common import AuthedRequest


def _refusal_key(use_case: UseCase) -> str:
    return f"refused_transition:{use_case.pk}"


def remember_refusal(
    request: AuthedRequest, use_case: UseCase, target: Target | None, blockers: list[Blocker]
) -> None:
    """Keep a refused transition in the session for the overview that the browser is sent to
    next: the target and every blocker as the gate worded them (JSON-safe fields only)."""
    request.session[_refusal_key(use_case)] = {
        "target": [target.key, target.label, target.from_phase] if target else None,
        "blockers": [
            {"code": b.code, "message": b.message, "source": b.source, "url": b.url}
            for b in blockers
        ],
    }


def pop_refusal(request: AuthedRequest, use_case: UseCase) -> tuple[Target | None, list[Blocker]]:
    """The refusal kept by ``remember_refusal``, removed so that a reload shows the plain
    overview; nothing when there is none (or it is not this use case's)."""
    kept = request.session.pop(_refusal_key(use_case), None)
    if not isinstance(kept, dict):
        return None, []
    target = Target(*kept["target"]) if kept.get("target") else None
    return target, [Blocker(**b) for b in kept.get("blockers", [])]
