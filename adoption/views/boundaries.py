"""Usage boundaries: the current version, what changed in each, the reader's acknowledgement,
and publishing a new version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from adoption import selectors, services
from adoption.forms import BoundaryForm
from adoption.models import UsageBoundary
from adoption.views.common import page_context
from readiness import access
from readiness.diffing import word_diff
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required


@member_required()
def boundaries(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The current usage boundaries, their history with what changed in each version, the
    reader's acknowledgement, and (for program managers and admins) publishing a new version."""
    membership = request.membership
    predicate = Perm.EDIT if request.method == "POST" else None
    use_case = access.access_use_case(membership, pk, perm=predicate)
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
    context = page_context(
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


@member_required()
@require_POST
def boundary_acknowledge(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    use_case = access.access_use_case(request.membership, pk)
    boundary = selectors.boundary_version(use_case, request.POST.get("version", ""))
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
