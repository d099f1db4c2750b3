"""Endpoints, for org admins: list, create, edit, disable, send a test event, rotate the
secret."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness.errors import StaleVersion
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required
from webhooks import access, selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Format
from webhooks.views.common import page_context


@member_required(Perm.ADMINISTER)
def endpoint_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    endpoints = list(selectors.endpoints_for(membership.organization))
    return render(
        request,
        "webhooks/endpoint_list.html",
        page_context(membership, "endpoints", endpoints=endpoints),
    )


@member_required(Perm.ADMINISTER)
def endpoint_create(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    form = EndpointForm(request.POST or None, initial={"format": Format.JSON})
    if request.method == "POST" and form.is_valid():
        form.expected_version()  # nothing to check on a new endpoint
        try:
            endpoint = services.endpoint_create(
                actor=request.user, organization=membership.organization, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                "Endpoint added. Copy its signing secret below into the receiving system, then send a test event.",
            )
            return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        page_context(membership, "endpoints", form=form),
        status=400 if form.is_bound else 200,
    )


@member_required(Perm.ADMINISTER)
def endpoint_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The endpoint's settings (editable), its secret, its actions and its latest deliveries."""
    endpoint = access.access_endpoint(request.membership, pk)
    membership = request.membership
    form = EndpointForm.for_endpoint(endpoint, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                actor=request.user,
                endpoint=endpoint,
                expected_version=form.expected_version(),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except StaleVersion as exc:
            form.refuse_stale(exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)
    recent = list(selectors.deliveries_for(membership.organization, endpoint_id=endpoint.pk)[:10])
    return render(
        request,
        "webhooks/endpoint_detail.html",
        page_context(membership, "endpoints", endpoint=endpoint, form=form, recent=recent),
        status=400 if form.is_bound else 200,
    )


@member_required(Perm.ADMINISTER)
@require_POST
def endpoint_active(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.membership, pk)
    active = request.POST.get("active") == "1"
    services.endpoint_set_active(actor=request.user, endpoint=endpoint, active=active)
    messages.success(
        request,
        "Endpoint enabled: new events are sent to it."
        if active
        else "Endpoint disabled: nothing more is sent to it until you enable it again.",
    )
    return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)


@member_required(Perm.ADMINISTER)
@require_POST
def endpoint_rotate_secret(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.membership, pk)
    services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    messages.success(
        request, "New signing secret created; the old one no longer verifies. Update the receiver."
    )
    return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)


@member_required(Perm.ADMINISTER)
@require_POST
def endpoint_test(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.membership, pk)
    try:
        delivery = services.endpoint_send_test(actor=request.user, endpoint=endpoint)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)
    messages.success(request, "Test event queued; its result appears below.")
    return redirect("webhooks_delivery", org=org, pk=delivery.pk)
