"""The delivery log, for org admins: filter, detail with every attempt, redeliver."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness.errors import Conflict
from readiness.models import Perm
from readiness.views.common import AuthedRequest, error_messages, member_required
from webhooks import access, selectors, services
from webhooks.formats import EVENT_LABELS, body
from webhooks.forms import DeliveryFilterForm
from webhooks.views.common import page_context


@member_required(Perm.ADMINISTER)
def delivery_list(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
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
        page_context(
            membership,
            "deliveries",
            form=form,
            page=page,
            is_filtered=any(filters.values()),
        ),
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@member_required(Perm.ADMINISTER)
def delivery_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    delivery = access.access_delivery(request.membership, pk)
    membership = request.membership
    return render(
        request,
        "webhooks/delivery_detail.html",
        page_context(
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


@member_required(Perm.ADMINISTER)
@require_POST
def delivery_redeliver(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    delivery = access.access_delivery(request.membership, pk)
    try:
        again = services.delivery_redeliver(actor=request.user, delivery=delivery)
    except (ValidationError, Conflict) as exc:
        text = error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
        for message in text:
            messages.error(request, message)
        return redirect("webhooks_delivery", org=org, pk=delivery.pk)
    messages.success(request, "Redelivery queued.")
    return redirect("webhooks_delivery", org=org, pk=again.pk)
