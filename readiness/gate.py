"""The gate: the one place that decides whether a use case may move on.

A gate is asked for a *target*: the next phase (``phase:2``, ``phase:3``), production
(``production``, leaving the 90-day plan), or ``scale``. Every registered check is asked and
every blocker is returned, so a refusal tells the user all that is missing at once.

Other apps add their checks with :func:`register_check` from their ``AppConfig.ready``; this
module never imports them. The same registry carries *contributors*: functions that other
apps use to add their say to readiness pages without readiness importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

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

GateCheck = Callable[["UseCase", Target], list[Blocker]]
# A check's bulk version: the same blockers as ``check`` for many use cases at once, each against
# its own target, in a constant number of queries. Use cases absent from ``targets`` are skipped.
BulkCheck = Callable[[list["UseCase"], dict[int, Target]], dict[int, list[Blocker]]]

_checks: dict[str, GateCheck] = {}
_bulk_checks: dict[str, BulkCheck] = {}


def register_check(name: str, check: GateCheck, bulk: BulkCheck | None = None) -> None:
    """Add a check under a unique name; registering the same name again replaces it.

    ``bulk`` must give, for every use case it is asked about, exactly what ``check`` gives for
    it alone (same blockers, same order); :func:`evaluate_many` uses it for dashboards.
    """
    _checks[name] = check
    if bulk is None:
        _bulk_checks.pop(name, None)
    else:
        _bulk_checks[name] = bulk


def registered_checks() -> dict[str, GateCheck]:
    return dict(_checks)


def registered_bulk_checks() -> dict[str, BulkCheck]:
    return dict(_bulk_checks)


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


def evaluate(use_case: UseCase, target: Target) -> list[Blocker]:
    """Every blocker from every registered check, in registration order."""
    blockers: list[Blocker] = []
    for check in _checks.values():
        blockers.extend(check(use_case, target))
    return blockers


def evaluate_many(
    use_cases: list[UseCase], targets: dict[int, Target] | None = None
) -> dict[int, list[Blocker]]:
    """``evaluate`` for many use cases at once: use case id -> its blockers.

    ``targets`` maps use case ids to the gate asked about; by default each use case's
    :func:`verdict_target`, and a use case with no gate in front of it gets no blockers. Checks
    with a bulk version run once for all use cases (a constant number of queries); a check
    registered without one falls back to a call per use case. The blockers of each use case come
    in registration order, as from :func:`evaluate`.
    """
    if targets is None:
        targets = {}
        for uc in use_cases:
            target = verdict_target(uc)
            if target is not None:
                targets[uc.pk] = target
    result: dict[int, list[Blocker]] = {uc.pk: [] for uc in use_cases}
    asked = [uc for uc in use_cases if uc.pk in targets]
    if not asked:
        return result
    for name, check in _checks.items():
        bulk = _bulk_checks.get(name)
        if bulk is not None:
            found = bulk(asked, targets)
            for uc in asked:
                result[uc.pk].extend(found.get(uc.pk, []))
        else:
            for uc in asked:
                result[uc.pk].extend(check(uc, targets[uc.pk]))
    return result


def exit_criteria_check(use_case: UseCase, target: Target) -> list[Blocker]:
    """The phase being left has every exit criterion ticked."""
    from django.urls import reverse

    from readiness.models import ChecklistItem

    if target.from_phase is None:
        return []
    open_items = ChecklistItem.objects.filter(
        phase__use_case=use_case, phase__number=target.from_phase, done=False
    ).order_by("position", "id")
    url = reverse("usecase_timeline", kwargs={"org": use_case.organization.slug, "pk": use_case.pk})
    return [
        Blocker(
            code="exit_criterion_open",
            message=f"Phase {target.from_phase} exit criterion not met: {item.text}",
            url=f"{url}#item-{item.pk}",
            detail={"item_id": item.pk, "phase": target.from_phase},
        )
        for item in open_items
    ]


def exit_criteria_bulk(
    use_cases: list[UseCase], targets: dict[int, Target]
) -> dict[int, list[Blocker]]:
    """:func:`exit_criteria_check` for many use cases in one query."""
    from django.db.models import Q

    from readiness.contrib import org_pk_url
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
        by_phase.setdefault(int(phase), []).append(pk)  # type: ignore[arg-type]
    condition = Q()
    for phase, pks in by_phase.items():
        condition |= Q(phase__use_case_id__in=pks, phase__number=phase)
    items = (
        ChecklistItem.objects.filter(condition, done=False)
        .values_list("pk", "text", "phase__use_case_id", "phase__number")
        .order_by("position", "id")
    )
    by_pk = {uc.pk: uc for uc in use_cases}
    urls: dict[int, str] = {}
    for item_pk, text, uc_pk, phase in items:
        if uc_pk not in urls:
            uc = by_pk[uc_pk]
            urls[uc_pk] = org_pk_url("usecase_timeline", uc.organization.slug, uc_pk)
        result[uc_pk].append(
            Blocker(
                code="exit_criterion_open",
                message=f"Phase {phase} exit criterion not met: {text}",
                url=f"{urls[uc_pk]}#item-{item_pk}",
                detail={"item_id": item_pk, "phase": phase},
            )
        )
    return result


def register_builtin_checks() -> None:
    register_check("readiness.exit_criteria", exit_criteria_check, bulk=exit_criteria_bulk)


# --- Material changes -------------------------------------------------------------------------
# A change that may invalidate a gate already passed (a new behavior spec version, for example)
# is announced here by the service that makes it, inside its transaction. Apps that hold gate
# sign-offs (governance) register a listener to flag the gate for re-review and tell reviewers.

ChangeListener = Callable[..., None]
_change_listeners: dict[str, ChangeListener] = {}


def register_change_listener(name: str, listener: ChangeListener) -> None:
    """``listener(use_case=, actor=, kind=, description=)`` runs in the changing transaction."""
    _change_listeners[name] = listener


def material_change(*, use_case: UseCase, actor: Any, kind: str, description: str) -> None:
    for listener in _change_listeners.values():
        listener(use_case=use_case, actor=actor, kind=kind, description=description)


# --- Lifecycle listeners ----------------------------------------------------------------------
# Other apps react to a use case's life without readiness importing them: governance gives a new
# use case its checklist, and notifies when a gate is passed or refused.

CreatedListener = Callable[..., None]
OutcomeListener = Callable[..., None]
_created_listeners: dict[str, CreatedListener] = {}
_outcome_listeners: dict[str, OutcomeListener] = {}


def register_created_listener(name: str, listener: CreatedListener) -> None:
    """``listener(use_case=, actor=)`` runs inside the transaction that creates the use case."""
    _created_listeners[name] = listener


def use_case_created(*, use_case: UseCase, actor: Any) -> None:
    for listener in _created_listeners.values():
        listener(use_case=use_case, actor=actor)


def register_outcome_listener(name: str, listener: OutcomeListener) -> None:
    """``listener(use_case=, actor=, target=, passed=, blockers=)`` runs in the transaction that
    records the gate's decision (the move itself, or the audited refusal)."""
    _outcome_listeners[name] = listener


def gate_outcome(
    *, use_case: UseCase, actor: Any, target: str, passed: bool, blockers: list[Blocker]
) -> None:
    for listener in _outcome_listeners.values():
        listener(use_case=use_case, actor=actor, target=target, passed=passed, blockers=blockers)
