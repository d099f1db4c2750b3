"""The gate: the one place that decides whether a use case may move on.

A gate is asked for a *target*: the next phase (``phase:2``, ``phase:3``), production
(``production``, leaving the 90-day plan), or ``scale``. Every registered check is asked and
every blocker is returned, so a refusal tells the user all that is missing at once.

The contract of a check (see :data:`GateCheck`): it judges many use cases at once, each against
its own target, and returns the blockers per use case id, in a constant number of queries.
Judging one use case is the same function with one (:func:`evaluate`), so the transition and the
dashboards cannot disagree. Apps above readiness (governance, metrics, adoption) register their
checks with :func:`register_check` from their ``AppConfig.ready``; this module never imports
them. Adding a kind of check needs no change here (docs/architecture.md, "Adding a gate check").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from readiness.links import org_pk_url, org_slugs

if TYPE_CHECKING:
    from readiness.models import UseCase


@dataclass(frozen=True)
class Blocker:
    """Something that keeps a gate shut, worded so that the reader knows what to do."""

    code: str
    message: str
    source: str = "readiness"
    url: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    from_phase: int | None


SCALE = Target("scale", "Scale", None)

# A check: (use cases, target per use case id) -> blockers per use case id. It must answer for
# every use case in ``targets`` (a missing id means no blockers), run a constant number of
# queries whatever the number of use cases, and give each use case's blockers in a stable order.
# Use cases come with ``organization`` loaded where the caller could (select_related).
GateCheck = Callable[[Sequence["UseCase"], Mapping[int, Target]], Mapping[int, list[Blocker]]]

_checks: dict[str, GateCheck] = {}


def register_check(name: str, check: GateCheck) -> None:
    """Add a check under a unique name; registering the same name again replaces it."""
    _checks[name] = check


def registered_checks() -> dict[str, GateCheck]:
    return dict(_checks)


def next_target(use_case: UseCase) -> Target | None:
    """The gate in front of the use case now, or None once it has left the plan."""
    from readiness.models import Phase, UseCaseStatus

    if use_case.status in (UseCaseStatus.PRODUCTION, UseCaseStatus.SCALED, UseCaseStatus.RETIRED):
        return None
    if use_case.current_phase < 3:
        nxt = use_case.current_phase + 1
        return Target(f"phase:{nxt}", f"Phase {nxt}: {Phase.NAMES[nxt]}", use_case.current_phase)
    return Target("production", "Production", 3)


def verdict_target(use_case: UseCase) -> Target | None:
    """The gate that stands between the use case and its next step: the next phase or
    production while in the plan, scale once in production, none once scaled or retired."""
    from readiness.models import UseCaseStatus

    if use_case.status == UseCaseStatus.PRODUCTION:
        return SCALE
    return next_target(use_case)


def evaluate_many(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target] | None = None
) -> dict[int, list[Blocker]]:
    """Every blocker from every registered check, per use case id, in registration order.

    ``targets`` maps use case ids to the gate asked about; by default each use case's
    :func:`verdict_target`, and a use case with no gate in front of it gets no blockers. Each
    check runs once for all use cases, so the number of queries does not grow with them.
    """
    if targets is None:
        targets = {uc.pk: t for uc in use_cases if (t := verdict_target(uc)) is not None}
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    asked = [uc for uc in use_cases if uc.pk in targets]
    if not asked:
        return result
    for check in _checks.values():
        found = check(asked, targets)
        for uc in asked:
            result[uc.pk].extend(found.get(uc.pk, ()))
    return result


def evaluate(use_case: UseCase, target: Target) -> list[Blocker]:
    """The blockers of one use case: :func:`evaluate_many` asked about it alone."""
    return evaluate_many([use_case], {use_case.pk: target})[use_case.pk]


def exit_criteria_check(
    use_cases: Sequence[UseCase], targets: Mapping[int, Target]
) -> dict[int, list[Blocker]]:
    """The phase being left has every exit criterion ticked. One query."""
    from readiness.models import ChecklistItem

    wanted = {
        uc.pk: targets[uc.pk].from_phase
        for uc in use_cases
        if uc.pk in targets and targets[uc.pk].from_phase is not None
    }
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    if not wanted:
        return result
    by_phase: dict[int, list[int]] = {}
    for pk, phase in wanted.items():
        assert phase is not None
        by_phase.setdefault(phase, []).append(pk)
    condition = Q()
    for phase, pks in by_phase.items():
        condition |= Q(phase__use_case_id__in=pks, phase__number=phase)
    items = (
        ChecklistItem.objects.filter(condition, done=False)
        .values_list("pk", "text", "phase__use_case_id", "phase__number")
        .order_by("position", "id")
    )
    slugs = org_slugs([uc for uc in use_cases if uc.pk in wanted])
    for item_pk, text, uc_pk, phase in items:
        url = org_pk_url("usecase_timeline", slugs[uc_pk], uc_pk)
        result[uc_pk].append(
            Blocker(
                code="exit_criterion_open",
                message=f"Phase {phase} exit criterion not met: {text}",
                url=f"{url}#item-{item_pk}",
                detail={"item_id": item_pk, "phase": phase},
            )
        )
    return result


def register_builtin_checks() -> None:
    register_check("readiness.exit_criteria", exit_criteria_check)
