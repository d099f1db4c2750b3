"""Cohorts: plan and edit one, its page with training progress, record training, take it live
(a small gate: a refusal lists every blocker)."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from adoption import selectors, services
from adoption.access import access_cohort
from adoption.forms import CohortForm, TrainingForm
from adoption.models import Cohort
from adoption.views.common import page_context
from readiness import access
from readiness.errors import Conflict, GateRefused, StaleVersion
from readiness.gate import Blocker
from readiness.models import Membership, Perm
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required


@member_required(Perm.EDIT)
def cohort_create(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=Perm.EDIT)
    form = CohortForm(
        request.POST or None,
        organization=membership.organization,
        initial={"team": use_case.team},
    )
    if request.method == "POST" and form.is_valid():
        try:
            form.expected_version()  # nothing to check on a new cohort
            cohort = services.cohort_create(
                actor=request.user, use_case=use_case, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Cohort {cohort.name} planned.")
            return redirect("adoption_cohort", org=org, pk=cohort.pk)
    return render(
        request,
        "adoption/cohort_form.html",
        page_context(membership, use_case, form=form, cohort=None),
        status=400 if form.is_bound else 200,
    )


@member_required(Perm.EDIT)
def cohort_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    cohort = access_cohort(membership, pk, perm=Perm.EDIT)
    form = CohortForm(
        request.POST or None, instance=copy.copy(cohort), organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(
                actor=request.user,
                cohort=cohort,
                expected_version=form.expected_version(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, f"Cohort {cohort.name} saved.")
            return redirect("adoption_cohort", org=org, pk=cohort.pk)
    return render(
        request,
        "adoption/cohort_form.html",
        page_context(membership, cohort.use_case, form=form, cohort=cohort),
        status=400 if form.is_bound else 200,
    )


def _cohort_page(
    request: AuthedRequest,
    membership: Membership,
    cohort: Cohort,
    *,
    training_form: TrainingForm | None = None,
    blockers: list[Blocker] | None = None,
    status: int = 200,
) -> HttpResponse:
    use_case = cohort.use_case
    full = next(c for c in selectors.cohorts_with_people(use_case) if c.pk == cohort.pk)
    records = selectors.cohort_training_records(full)
    pending = selectors.go_live_blockers(full) if not full.is_live else []
    context = page_context(
        membership,
        use_case,
        cohort=full,
        records=records,
        training_form=training_form
        or TrainingForm(cohort=full, initial={"completed_on": timezone.localdate()}),
        blockers=blockers or [],
        pending=pending,
    )
    return render(request, "adoption/cohort.html", context, status=status)


@member_required()
def cohort_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    cohort = access_cohort(membership, pk)
    return _cohort_page(request, membership, cohort)


@member_required()
@require_POST
def training_add(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    cohort = access_cohort(membership, pk, perm=Perm.EDIT)
    form = TrainingForm(request.POST, cohort=cohort)
    if form.is_valid():
        try:
            record = services.training_record_add(
                actor=request.user, use_case=cohort.use_case, cohort=cohort, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, f"Training of {record.user.display_name} on “{record.topic}” recorded."
            )
            return redirect(f"{cohort.get_absolute_url()}#training")
    return _cohort_page(request, membership, cohort, training_form=form, status=400)


@member_required()
@require_POST
def cohort_go_live(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Take the cohort live; a refusal re-renders the cohort (409) listing every blocker."""
    membership = request.membership
    cohort = access_cohort(membership, pk, perm=Perm.EDIT)
    try:
        services.cohort_go_live(actor=request.user, cohort=cohort)
    except GateRefused as refused:
        return _cohort_page(request, membership, cohort, blockers=refused.blockers, status=409)
    except (Conflict, ValidationError) as exc:
        for message in error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, message)
        return redirect("adoption_cohort", org=org, pk=cohort.pk)
    messages.success(request, f"{cohort.name} is live: its members can now give weekly feedback.")
    return redirect("adoption_cohort", org=org, pk=cohort.pk)
