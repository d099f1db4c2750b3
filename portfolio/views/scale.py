"""The scale page of one use case: the six answers with their evidence, the verdict, and the
executive's decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from portfolio.forms import ScaleDecisionForm
from portfolio.models import ScaleOutcome
from portfolio.rows import READY_TO_SCALE
from portfolio.selectors import portfolio_row, scale_decisions
from portfolio.services.scale import scale_decide
from readiness import access
from readiness.errors import Conflict, GateRefused
from readiness.gate import Blocker
from readiness.models import Membership, Perm, UseCase
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import use_case_context


def _render(
    request: AuthedRequest,
    membership: Membership,
    use_case: UseCase,
    *,
    form: ScaleDecisionForm | None = None,
    refused: list[Blocker] | None = None,
    status: int = 200,
) -> HttpResponse:
    row = portfolio_row(use_case)
    can_decide = membership.can_decide_scale and row.verdict == READY_TO_SCALE
    context: dict[str, Any] = use_case_context(membership, row.use_case, "scale")
    context.update(
        row=row,
        answers=row.answers,
        can_decide=can_decide,
        is_executive=membership.can_decide_scale,
        form=form or (ScaleDecisionForm() if can_decide else None),
        refused=refused or [],
        decisions=list(scale_decisions(use_case)),
        nav="portfolio",
    )
    return render(request, "portfolio/scale.html", context, status=status)


@member_required()
def usecase_scale(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Every member reads the scale case; only executives see the decision form."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    return _render(request, membership, use_case)


@member_required()
@require_POST
def usecase_scale_decide(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Approve, decline or defer scale (executives only: 403 for other members, 404 outside).

    Bad input re-renders the page with the errors (400); a case that is no longer ready
    re-renders it with every blocker (409)."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=Perm.DECIDE_SCALE)
    form = ScaleDecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = scale_decide(
                actor=request.user,
                use_case=use_case,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
                revisit_on=form.cleaned_data["revisit_on"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except GateRefused as refused:
            return _render(request, membership, use_case, refused=refused.blockers, status=409)
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return redirect("usecase_scale", org=org, pk=use_case.pk)
        else:
            outcome = ScaleOutcome(decision.outcome)
            if outcome == ScaleOutcome.APPROVED:
                done = f"Scale approved: {use_case.name} is now scaled."
            elif outcome == ScaleOutcome.DECLINED:
                done = f"Scale declined: {use_case.name} stays in production."
            else:
                revisit = date_format(decision.revisit_on, "j M Y") if decision.revisit_on else ""
                done = (
                    f"Decision deferred: {use_case.name} stays in production until you take it "
                    f"up again on {revisit}."
                )
            messages.success(request, done)
            return redirect("usecase_scale", org=org, pk=use_case.pk)
    return _render(request, membership, use_case, form=form, status=400)
