"""The 90-day plan of one use case: its timeline, exit criteria, phase dates and the gate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import access, gate, selectors, services
from readiness.errors import Conflict, GateRefused
from readiness.forms import PhaseDatesForm
from readiness.models import PLAN_LENGTH_DAYS, Phase, UseCase
from readiness.views.common import AuthedRequest, add_errors
from readiness.views.use_cases import render_detail, use_case_context


@login_required
@require_POST
def usecase_transition(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Ask the gate to move the use case on. A refusal re-renders the overview (409) listing
    every blocker; a lost race (Conflict) is reported and the overview reloaded."""
    membership = access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=access.WRITE)
    expected: int | None = None
    if request.POST.get("expected_phase"):
        try:
            expected = int(request.POST["expected_phase"])
        except ValueError:
            return HttpResponseBadRequest("expected_phase must be a phase number")
    target = gate.next_target(use_case)
    try:
        moved = services.phase_transition(
            actor=request.user, use_case=use_case, expected_phase=expected
        )
    except GateRefused as refused:
        return render_detail(
            request,
            membership,
            use_case,
            blockers=refused.blockers,
            refused_target=target,
            status=409,
        )
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("usecase_detail", org=org, pk=use_case.pk)
    label = target.label if target else "the next step"
    if moved.status == UseCase.Status.PRODUCTION:
        messages.success(request, f"Moved to {label}: {moved.name} has left the 90-day plan.")
    else:
        messages.success(request, f"Moved to {label}.")
    return redirect("usecase_detail", org=org, pk=use_case.pk)


def _phase_state(phase: Phase, use_case: UseCase, today: Any) -> str:
    if phase.is_complete:
        return "done"
    if phase.is_late(today):
        return "late"
    if use_case.is_in_plan and phase.number == use_case.current_phase:
        return "current"
    return "upcoming"


STATE_LABELS = {"done": "Done", "late": "Late", "current": "Current", "upcoming": "Upcoming"}
STATE_BADGES = {"done": "badge-done", "late": "badge-bad", "current": "badge-info", "upcoming": ""}


def today_position(plan_day: int) -> float:
    """Where today falls across the 90 days, as a percentage clamped to 0-100.

    Day 1 starts at 0%; the marker sits in the middle of its day.
    """
    percent = 100 * (plan_day - 0.5) / PLAN_LENGTH_DAYS
    return max(0.0, min(100.0, percent))


@login_required
def usecase_timeline(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    uc = selectors.use_case_detail(use_case)
    context = use_case_context(membership, uc, "timeline")
    today = context["today"]
    phases = uc.phase_list  # type: ignore[attr-defined]
    for phase in phases:
        phase.state = _phase_state(phase, uc, today)
        phase.state_label = STATE_LABELS[phase.state]
        phase.badge = STATE_BADGES[phase.state]
        phase.late = phase.is_late(today)
    plan_day = uc.plan_day(today)
    context.update(
        phases=phases,
        plan_day=plan_day,
        today_left=f"{today_position(plan_day):.2f}",
        late_phases=[p for p in phases if p.late],
        late_workstreams=[w for w in uc.workstream_list if w.is_late(today)],  # type: ignore[attr-defined]
    )
    return render(request, "readiness/usecase_timeline.html", context)


@login_required
def phase_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    phase = access.access_phase(request.user, pk, org_slug=org, predicate=access.WRITE)
    form = PhaseDatesForm(request.POST or None, instance=phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_update_dates(
                actor=request.user,
                phase=phase,
                planned_start=form.cleaned_data["planned_start"],
                planned_end=form.cleaned_data["planned_end"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Phase {phase.number} dates saved.")
            return redirect("usecase_timeline", org=org, pk=phase.use_case_id)
    context = use_case_context(membership, phase.use_case, "timeline")
    context.update(phase=phase, form=form)
    return render(
        request, "readiness/usecase_phase_edit.html", context, status=400 if form.is_bound else 200
    )
