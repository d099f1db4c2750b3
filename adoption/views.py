"""Pages of the adoption rollout: a use case's adoption page, cohorts, usage boundaries, the
iteration log and each member's weekly feedback. Short views: access, form, service, redirect
or render."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from adoption import selectors, services
from adoption.access import MANAGE, access_cohort, access_iteration_entry
from adoption.calc import week_start
from adoption.forms import BoundaryForm, CohortForm, FeedbackForm, IterationForm, TrainingForm
from adoption.models import Cohort, UsageBoundary
from readiness import access
from readiness.diffing import word_diff
from readiness.errors import Conflict, GateRefused
from readiness.gate import Blocker
from readiness.models import Membership, UseCase
from readiness.views.common import AuthedRequest, add_errors, error_messages
from readiness.views.use_cases import use_case_context


def _context(membership: Membership, use_case: UseCase, **extra: Any) -> dict[str, Any]:
    context = use_case_context(membership, use_case, "adoption")
    context.update(may_manage=membership.can_edit_use_cases, **extra)
    return context


@login_required
def usecase_adoption(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Cohorts with training progress, the current usage boundaries, the iteration log and the
    weekly feedback trend of one use case."""
    membership = access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    versions = selectors.boundary_versions(use_case)
    current = versions[0] if versions else None
    go_live = selectors.first_go_live(use_case)
    cohorts = selectors.cohorts_with_people(use_case)
    context = _context(
        membership,
        use_case,
        cohorts=cohorts,
        my_live_cohort=next(
            (c for c in cohorts if c.is_live and request.user in c.members.all()), None
        ),
        current_boundary=current,
        boundary_count=len(versions),
        my_ack=selectors.acknowledged(request.user, current),
        first_go_live=go_live,
        entries=selectors.iteration_log(use_case, go_live),
        **selectors.trend_context(use_case),
    )
    return render(request, "adoption/usecase.html", context)


@login_required
def cohort_create(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org, predicate=MANAGE)
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=MANAGE)
    form = CohortForm(
        request.POST or None,
        organization=membership.organization,
        initial={"team": use_case.team},
    )
    if request.method == "POST" and form.is_valid():
        try:
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
        _context(membership, use_case, form=form, cohort=None),
        status=400 if form.is_bound else 200,
    )


@login_required
def cohort_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org, predicate=MANAGE)
    cohort = access_cohort(request.user, pk, org_slug=org, predicate=MANAGE)
    form = CohortForm(
        request.POST or None, instance=copy.copy(cohort), organization=membership.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(actor=request.user, cohort=cohort, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Cohort {cohort.name} saved.")
            return redirect("adoption_cohort", org=org, pk=cohort.pk)
    return render(
        request,
        "adoption/cohort_form.html",
        _context(membership, cohort.use_case, form=form, cohort=cohort),
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
    records = list(
        full.training_records.select_related("user", "recorded_by").order_by("-completed_on", "-pk")
    )
    pending = services.go_live_blockers(full) if not full.is_live else []
    context = _context(
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


@login_required
def cohort_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    cohort = access_cohort(request.user, pk, org_slug=org)
    return _cohort_page(request, membership, cohort)


@login_required
@require_POST
def training_add(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org)
    cohort = access_cohort(request.user, pk, org_slug=org, predicate=MANAGE)
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


@login_required
@require_POST
def cohort_go_live(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """Take the cohort live; a refusal re-renders the cohort (409) listing every blocker."""
    membership = access.membership_for(request.user, org)
    cohort = access_cohort(request.user, pk, org_slug=org, predicate=MANAGE)
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


@login_required
def boundaries(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The current usage boundaries, their history with what changed in each version, the
    reader's acknowledgement, and (for program managers and admins) publishing a new version."""
    membership = access.membership_for(request.user, org)
    predicate = MANAGE if request.method == "POST" else None
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=predicate)
    versions = selectors.boundary_versions(use_case)
    current = versions[0] if versions else None
    form: BoundaryForm | None = None
    if membership.can_edit_use_cases:
        form = BoundaryForm(
            request.POST or None, initial={"body": current.body} if current else None
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            published = services.usage_boundary_publish(
                actor=request.user, use_case=use_case, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Usage boundaries published as version {published.version}.")
            return redirect("adoption_boundaries", org=org, pk=use_case.pk)
    by_version = {v.version: v for v in versions}
    compare: UsageBoundary | None = current
    requested = request.GET.get("compare", "")
    if requested.isdigit():
        compare = by_version.get(int(requested), current)
    previous = by_version.get(compare.version - 1) if compare else None
    context = _context(
        membership,
        use_case,
        versions=versions,
        current=current,
        my_ack=selectors.acknowledged(request.user, current),
        form=form,
        compare=compare,
        previous=previous,
        diff=word_diff(previous.body, compare.body) if compare and previous else [],
    )
    return render(
        request,
        "adoption/boundaries.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def boundary_acknowledge(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    access.membership_for(request.user, org)
    use_case = access.access_use_case(request.user, pk, org_slug=org)
    version = request.POST.get("version", "")
    boundary = (
        UsageBoundary.objects.filter(use_case=use_case, version=int(version)).first()
        if version.isdigit()
        else None
    )
    if boundary is None:
        raise Http404("No such version of the usage boundaries")
    try:
        services.usage_boundary_acknowledge(actor=request.user, boundary=boundary)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, f"You have read version {boundary.version}.")
    return redirect("adoption_boundaries", org=org, pk=use_case.pk)


@login_required
def iteration_add(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org, predicate=MANAGE)
    use_case = access.access_use_case(request.user, pk, org_slug=org, predicate=MANAGE)
    form = IterationForm(request.POST or None, initial={"happened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.iteration_entry_add(actor=request.user, use_case=use_case, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Added to the iteration log.")
            return redirect(_log_url(org, use_case.pk))
    return render(
        request,
        "adoption/iteration_form.html",
        _context(membership, use_case, form=form, entry=None),
        status=400 if form.is_bound else 200,
    )


@login_required
def iteration_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = access.membership_for(request.user, org, predicate=MANAGE)
    entry = access_iteration_entry(request.user, pk, org_slug=org, predicate=MANAGE)
    form = IterationForm(request.POST or None, instance=copy.copy(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.iteration_entry_update(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Iteration log entry saved.")
            return redirect(_log_url(org, entry.use_case_id))
    return render(
        request,
        "adoption/iteration_form.html",
        _context(membership, entry.use_case, form=form, entry=entry),
        status=400 if form.is_bound else 200,
    )


def _log_url(org: str, use_case_id: int) -> str:
    from django.urls import reverse

    return reverse("adoption_usecase", kwargs={"org": org, "pk": use_case_id}) + "#iteration-log"


@login_required
def my_feedback(request: AuthedRequest, org: str) -> HttpResponse:
    """This week's feedback form for each live cohort the user belongs to; posting one saves
    (or edits) that cohort's answer for the current week."""
    membership = access.membership_for(request.user, org)
    today = timezone.localdate()
    cohorts = selectors.my_live_cohorts(request.user, membership.organization, today=today)
    posted: Cohort | None = None
    if request.method == "POST":
        cohort_id = request.POST.get("cohort", "")
        posted = next((c for c in cohorts if str(c.pk) == cohort_id), None)
        if posted is None:
            # Not a live cohort of theirs: the same answer as for a missing one.
            access_cohort(request.user, cohort_id, org_slug=org)
            raise Http404("You are not a member of that live cohort")
    status = 200
    for cohort in cohorts:
        prefix = f"c{cohort.pk}"
        instance = copy.copy(cohort.this_week) if cohort.this_week else None  # type: ignore[attr-defined]
        if cohort is posted:
            form = FeedbackForm(request.POST, instance=instance, prefix=prefix)
            if form.is_valid():
                try:
                    services.feedback_submit(
                        actor=request.user, cohort=cohort, today=today, **form.cleaned_data
                    )
                except (ValidationError, Conflict) as exc:
                    if isinstance(exc, ValidationError):
                        add_errors(form, exc)
                    else:
                        form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        f"Thank you: your feedback on {cohort.name} for this week is saved.",
                    )
                    return redirect("adoption_my_feedback", org=org)
            status = 400
        else:
            form = FeedbackForm(instance=instance, prefix=prefix)
        cohort.form = form  # type: ignore[attr-defined]
    return render(
        request,
        "adoption/my_feedback.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "adoption_feedback",
            "cohorts": cohorts,
            "week": week_start(today),
            "recent": selectors.my_recent_feedback(request.user, membership.organization),
        },
        status=status,
    )
