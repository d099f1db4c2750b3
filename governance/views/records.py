"""The approved model registry, a use case's policy, and incidents."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import access as gaccess
from governance import selectors, services
from governance.forms import (
    ApprovedModelForm,
    IncidentForm,
    IncidentReviewForm,
    IncidentUpdateForm,
    PolicyForm,
)
from governance.models import Incident, UseCasePolicy
from governance.services import POLICY_FIELDS, REGISTRY_FIELDS
from governance.views.common import page_context
from readiness import access
from readiness.errors import StaleVersion
from readiness.models import Membership, Perm
from readiness.views.common import AuthedRequest, add_errors, member_required
from readiness.views.use_cases import use_case_context

PAGE_SIZE = 50


@member_required()
def registry(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    form = ApprovedModelForm(request.POST or None, initial={"approved_on": timezone.localdate()})
    if request.method == "POST":
        access.require(membership, Perm.REGISTRY)
        if form.is_valid():
            try:
                services.approved_model_save(
                    actor=request.user,
                    organization=organization,
                    **{f: form.cleaned_data[f] for f in REGISTRY_FIELDS},
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Added to the registry.")
                return redirect("governance_registry", org=org)
    today = timezone.localdate()
    entries = list(selectors.registry(organization))
    for entry in entries:
        entry.expired = entry.is_expired(today)  # type: ignore[attr-defined]
        entry.expiring = bool(  # type: ignore[attr-defined]
            entry.expires_on and not entry.expired and (entry.expires_on - today).days <= 30  # type: ignore[attr-defined]
        )
    return render(
        request,
        "governance/registry.html",
        page_context(membership, entries=entries, form=form, today=today),
        status=400 if form.is_bound else 200,
    )


@member_required()
def registry_edit(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    predicate = Perm.REGISTRY if request.method == "POST" else None
    entry = gaccess.access_approved_model(membership, pk, perm=predicate)
    form = ApprovedModelForm(request.POST or None, instance=copy.copy(entry))
    if request.method == "POST" and form.is_valid():
        try:
            services.approved_model_save(
                actor=request.user,
                organization=membership.organization,
                entry=entry,
                **{f: form.cleaned_data[f] for f in REGISTRY_FIELDS},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Registry entry saved.")
            return redirect("governance_registry", org=org)
    return render(
        request,
        "governance/registry_edit.html",
        page_context(membership, entry=entry, form=form, expired=entry.is_expired()),
        status=400 if form.is_bound else 200,
    )


@member_required()
def policy(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    use_case = access.access_use_case(membership, pk)
    if request.method == "POST":
        access.require(membership, Perm.EDIT)
    current = selectors.use_case_policy(use_case)
    form = PolicyForm(
        request.POST or None,
        instance=copy.copy(current) if current else UseCasePolicy(),
        version=current.version if current else 0,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                actor=request.user,
                use_case=use_case,
                expected_version=form.expected_version(),
                **{f: form.cleaned_data[f] for f in POLICY_FIELDS},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "Policy saved.")
            return redirect("governance_usecase", org=org, pk=use_case.pk)
    context = use_case_context(membership, use_case, "governance")
    context.update(page_context(membership, nav="use_cases"), form=form, policy=current)
    return render(request, "governance/policy.html", context, status=400 if form.is_bound else 200)


@member_required()
def incident_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    active = request.GET.get("show") != "all"
    page = Paginator(
        selectors.incidents(membership.organization, active_only=active), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "governance/incident_list.html",
        page_context(membership, page=page, active_only=active),
    )


@member_required()
def incident_create(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    access.require(membership, Perm.GOVERN)
    initial = {}
    if request.GET.get("use_case", "").isdigit():
        initial["use_case"] = int(request.GET["use_case"])
    form = IncidentForm(request.POST or None, organization=membership.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Incident recorded.")
            return redirect(incident)
    return render(
        request,
        "governance/incident_form.html",
        page_context(membership, form=form),
        status=400 if form.is_bound else 200,
    )


@member_required()
def incident_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    incident = gaccess.access_incident(membership, pk)
    return _incident_page(request, membership, incident)


def _incident_page(
    request: AuthedRequest,
    membership: Membership,
    incident: Incident,
    *,
    update_form: IncidentUpdateForm | None = None,
    review_form: IncidentReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "governance/incident.html",
        page_context(
            membership,
            incident=incident,
            updates=selectors.incident_updates(incident),
            update_form=update_form or IncidentUpdateForm(),
            review_form=review_form or IncidentReviewForm(),
        ),
        status=status,
    )


@member_required()
@require_POST
def incident_update(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    incident = gaccess.access_incident(membership, pk, perm=Perm.GOVERN)
    form = IncidentUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.incident_update(
                actor=request.user,
                incident=incident,
                note=form.cleaned_data["note"],
                status=form.cleaned_data["status"] or None,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Update added to the timeline.")
            return redirect(incident)
    return _incident_page(request, membership, incident, update_form=form, status=400)


@member_required()
@require_POST
def incident_review(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    membership = request.membership
    incident = gaccess.access_incident(membership, pk, perm=Perm.SIGN_OFF)
    form = IncidentReviewForm(request.POST)
    if form.is_valid():
        try:
            services.incident_review(
                actor=request.user,
                incident=incident,
                review=form.cleaned_data["post_incident_review"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Post-incident review recorded; the incident is closed.")
            return redirect(incident)
    return _incident_page(request, membership, incident, review_form=form, status=400)
