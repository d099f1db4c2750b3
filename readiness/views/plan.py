"""The 90-day plan of one use case: its timeline, exit criteria, phase dates and the gate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import access, gate, selectors, services
from readiness.errors import Conflict, GateRefused, StaleVersion
from readiness.forms import PhaseDatesForm
from readiness.models import PHASE_STATES, PLAN_LENGTH_DAYS, UseCase
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.refusals import remember_refusal
from readiness.views.use_cases import use_case_context


@member_required()
@require_POST
def usecase_transition(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Ask the gate to move the use case on, then redirect to the overview (post/redirect/get,
    so a reload never resubmits). A refusal is kept in the session and shown once by the
    overview, every blocker linked; a lost race (Conflict) is reported as a message."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=access.WRITE)
    # Required, as in the API: a resubmitted or raced form moves the use case one phase at most.
    try:
        expected = int(request.POST.get("expected_phase", ""))
    except ValueError:
        return HttpResponseBadRequest("expected_phase must be a phase number")
    target = gate.next_target(use_case)
    try:
        moved = services.phase_transition(
            actor=request.user, use_case=use_case, expected_phase=expected
        )
    except GateRefused as refused:
        remember_refusal(request, use_case, target, refused.blockers)
        return redirect("usecase_detail", org=org, pk=use_case.pk)
    except Conflict as conflict:
        messages.error(request, str(conflict))
        return redirect("usecase_detail", org=org, pk=use_case.pk)
    label = target.label if target else "the next step"
    if moved.status == UseCase.Status.PRODUCTION:
        messages.success(request, f"Moved to {label}: {moved.name} has left the 90-day plan.")
    else:
        messages.success(request, f"Moved to {label}.")
    return redirect("usecase_detail", org=org, pk=use_case.pk)


def today_position(plan_day: int) -> float:
    """Where today falls across the 90 days, as a percentage clamped to 0-100.

    Day 1 starts at 0%; the marker sits in the middle of its day.
    """
    percent = 100 * (plan_day - 0.5) / PLAN_LENGTH_DAYS
    return max(0.0, min(100.0, percent))


@member_required()
def usecase_timeline(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    uc = selectors.use_case_detail(use_case)
    context = use_case_context(membership, uc, "timeline")
    today = context["today"]
    phases = uc.phase_list  # type: ignore[attr-defined]
    for phase in phases:
        phase.state = phase.timeline_state(uc, today)
        phase.state_label, phase.badge = PHASE_STATES[phase.state]
        phase.late = phase.is_late(today)
    plan_day = uc.plan_day(today)
    context.update(
        phases=phases,
        plan_day=plan_day,
        today_left=f"{today_position(plan_day):.2f}",
        late_phases=[p for p in phases if p.late],
        late_workstreams=[w for w in uc.workstream_list if w.is_late(today)],  # type: ignore[attr-defined]
        late_items=[
            (f"Workstream {w.number}: {w.name}", item)
            for w in uc.workstream_list  # type: ignore[attr-defined]
            for item in w.items.all()
            if item.due_state == "late"
        ]
        + [
            (f"Phase {p.number} exit criterion", item)
            for p in phases
            for item in p.exit_criteria.all()
            if item.due_state == "late"
        ],
    )
    return render(request, "readiness/usecase_timeline.html", context)


@member_required()
def phase_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    phase = access.access_phase(membership, pk, perm=access.WRITE)
    form = PhaseDatesForm(request.POST or None, instance=phase)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_update_dates(
                actor=request.user,
                phase=phase,
                planned_start=form.cleaned_data["planned_start"],
                planned_end=form.cleaned_data["planned_end"],
                expected_version=form.expected_version(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"Phase {phase.number} dates saved.")
            return redirect("usecase_timeline", org=org, pk=phase.use_case_id)
    context = use_case_context(membership, phase.use_case, "timeline")
    context.update(phase=phase, form=form)
    return render(
        request, "readiness/usecase_phase_edit.html", context, status=400 if form.is_bound else 200
    )
