"""The iteration log: what changed during rollout, and its outcome."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from adoption import services
from adoption.access import access_iteration_entry
from adoption.forms import IterationForm
from adoption.views.common import page_context
from readiness import access
from readiness.errors import StaleVersion
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, member_required


@member_required(Perm.EDIT)
def iteration_add(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk, perm=Perm.EDIT)
    form = IterationForm(request.POST or None, initial={"happened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            form.expected_version()  # nothing to check on a new entry
            services.iteration_entry_add(actor=request.user, use_case=use_case, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Added to the iteration log.")
            return redirect(_log_url(org, use_case.pk))
    return render(
        request,
        "adoption/iteration_form.html",
        page_context(membership, use_case, form=form, entry=None),
        status=400 if form.is_bound else 200,
    )


@member_required(Perm.EDIT)
def iteration_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    entry = access_iteration_entry(membership, pk, perm=Perm.EDIT)
    form = IterationForm(request.POST or None, instance=copy.copy(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.iteration_entry_update(
                actor=request.user,
                entry=entry,
                expected_version=form.expected_version(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "Iteration log entry saved.")
            return redirect(_log_url(org, entry.use_case_id))
    return render(
        request,
        "adoption/iteration_form.html",
        page_context(membership, entry.use_case, form=form, entry=entry),
        status=400 if form.is_bound else 200,
    )


def _log_url(org: str, use_case_id: int) -> str:
    return reverse("adoption_usecase", kwargs={"org": org, "pk": use_case_id}) + "#iteration-log"
