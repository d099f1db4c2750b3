"""Weekly feedback: each member's form for their live cohorts, and the trend as a section of
the use case's scorecard."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from adoption import selectors, services
from adoption.access import access_cohort
from adoption.calc import week_start
from adoption.forms import FeedbackForm
from adoption.models import Cohort
from readiness import access
from readiness.errors import Conflict
from readiness.views.common import AuthedRequest, add_errors, member_required


@member_required()
def my_feedback(request: AuthedRequest, org: str) -> HttpResponse:
    """This week's feedback form for each live cohort the user belongs to; posting one saves
    (or edits) that cohort's answer for the current week."""
    membership = request.membership
    today = timezone.localdate()
    cohorts = selectors.my_live_cohorts(request.user, membership.organization, today=today)
    posted: Cohort | None = None
    if request.method == "POST":
        cohort_id = request.POST.get("cohort", "")
        posted = next((c for c in cohorts if str(c.pk) == cohort_id), None)
        if posted is None:
            # Not a live cohort of theirs: the same answer as for a missing one.
            access_cohort(membership, cohort_id)
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


@member_required()
@require_GET
def feedback_panel(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The weekly feedback trend as a section for the use case's scorecard (loaded with htmx);
    empty when nobody has answered yet, so the scorecard shows nothing."""
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    context = selectors.trend_context(use_case)
    if not context["trend_has_data"]:
        return HttpResponse("")
    context.update(
        org=org,
        use_case=use_case,
        adoption_url=reverse("adoption_usecase", kwargs={"org": org, "pk": use_case.pk}),
    )
    return render(request, "adoption/partials/feedback_panel.html", context)
