"""Pages for org admins: endpoints (list, create, edit, disable, test, rotate the secret) and the
delivery log (filter, detail with every attempt, redeliver)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness.errors import Conflict
from readiness.models import Membership
from readiness.views.common import AuthedRequest, add_errors, error_messages
from webhooks import access, selectors, services, signing
from webhooks.formats import EVENT_LABELS, body
from webhooks.forms import DeliveryFilterForm, EndpointForm
from webhooks.models import Format


def _context(membership: Membership, section: str, **extra: Any) -> dict[str, Any]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": "webhooks",
        "section": section,
        "signature_header": signing.HEADER,
        **extra,
    }


@login_required
def endpoint_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.admin_membership(request.user, org)
    endpoints = list(selectors.endpoints_for(membership.organization))
    return render(
        request,
        "webhooks/endpoint_list.html",
        _context(membership, "endpoints", endpoints=endpoints),
    )


@login_required
def endpoint_create(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.admin_membership(request.user, org)
    form = EndpointForm(request.POST or None, initial={"format": Format.JSON})
    if request.method == "POST" and form.is_valid():
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
        _context(membership, "endpoints", form=form),
        status=400 if form.is_bound else 200,
    )


@login_required
def endpoint_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The endpoint's settings (editable), its secret, its actions and its latest deliveries."""
    endpoint = access.access_endpoint(request.user, pk, org_slug=org)
    membership = access.admin_membership(request.user, org)
    form = EndpointForm.for_endpoint(endpoint, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(actor=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)
    recent = list(selectors.deliveries_for(membership.organization, endpoint_id=endpoint.pk)[:10])
    return render(
        request,
        "webhooks/endpoint_detail.html",
        _context(membership, "endpoints", endpoint=endpoint, form=form, recent=recent),
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def endpoint_active(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.user, pk, org_slug=org)
    active = request.POST.get("active") == "1"
    services.endpoint_set_active(actor=request.user, endpoint=endpoint, active=active)
    messages.success(
        request,
        "Endpoint enabled: new events are sent to it."
        if active
        else "Endpoint disabled: nothing more is sent to it until you enable it again.",
    )
    return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)


@login_required
@require_POST
def endpoint_rotate_secret(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.user, pk, org_slug=org)
    services.endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    messages.success(
        request, "New signing secret created; the old one no longer verifies. Update the receiver."
    )
    return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)


@login_required
@require_POST
def endpoint_test(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    endpoint = access.access_endpoint(request.user, pk, org_slug=org)
    try:
        delivery = services.endpoint_send_test(actor=request.user, endpoint=endpoint)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("webhooks_endpoint", org=org, pk=endpoint.pk)
    messages.success(request, "Test event queued; its result appears below.")
    return redirect("webhooks_delivery", org=org, pk=delivery.pk)


@login_required
def delivery_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = access.admin_membership(request.user, org)
    form = DeliveryFilterForm(request.GET or None, organization=membership.organization)
    filters: dict[str, Any] = {}
    if form.is_valid():
        endpoint = form.cleaned_data["endpoint"]
        filters = {
            "endpoint_id": endpoint.pk if endpoint else None,
            "status": form.cleaned_data["status"],
            "event": form.cleaned_data["event"],
        }
    page = Paginator(selectors.deliveries_for(membership.organization, **filters), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "webhooks/delivery_list.html",
        _context(
            membership,
            "deliveries",
            form=form,
            page=page,
            is_filtered=any(filters.values()),
        ),
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def delivery_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    delivery = access.access_delivery(request.user, pk, org_slug=org)
    membership = access.admin_membership(request.user, org)
    return render(
        request,
        "webhooks/delivery_detail.html",
        _context(
            membership,
            "deliveries",
            delivery=delivery,
            attempts=list(delivery.attempt_log.all()),
            # Shown indented; the bytes sent (and signed) are the compact form.
            body=json.dumps(
                json.loads(body(delivery.payload, delivery.endpoint.format)),
                indent=2,
                ensure_ascii=False,
            ),
            event_label=EVENT_LABELS.get(delivery.event, delivery.event),
        ),
    )


@login_required
@require_POST
def delivery_redeliver(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    delivery = access.access_delivery(request.user, pk, org_slug=org)
    try:
        again = services.delivery_redeliver(actor=request.user, delivery=delivery)
    except (ValidationError, Conflict) as exc:
        text = error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
        for message in text:
            messages.error(request, message)
        return redirect("webhooks_delivery", org=org, pk=delivery.pk)
    messages.success(request, "Redelivery queued.")
    return redirect("webhooks_delivery", org=org, pk=again.pk)
