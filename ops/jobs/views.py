"""The background-jobs page and its re-runs. Each re-run is a POST to one service of the app
that owns the job (it checks the role, queues the work through the outbox and writes the audit
record); another organization's job is a 404 like a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from metrics import access as metrics_access
from metrics import services as metrics_services
from ops.jobs.selectors import jobs_overview
from readiness.errors import Conflict
from readiness.models import Perm
from readiness.views.common import AuthedRequest, error_messages, member_required
from webhooks import access as webhooks_access
from webhooks import services as webhooks_services


@member_required(Perm.ADMINISTER)
def jobs_page(request: AuthedRequest, org: str) -> HttpResponse:
    membership = request.membership
    return render(
        request,
        "ops/jobs.html",
        {
            "membership": membership,
            "organization": membership.organization,
            "org": org,
            "nav": "jobs",
            "jobs": jobs_overview(membership.organization),
        },
    )


def _back(org: str, anchor: str) -> HttpResponse:
    response = redirect("ops_jobs", org=org)
    response["Location"] += f"#{anchor}"
    return response


def _refused(request: AuthedRequest, exc: ValidationError | Conflict) -> None:
    text = error_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]
    for message in text:
        messages.error(request, message)


@member_required(Perm.ADMINISTER)
@require_POST
def rollup_failure_retry(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    failure = metrics_access.access_rollup_failure(request.membership, pk)
    try:
        metrics_services.rollup_failure_retry(actor=request.user, failure=failure)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, f"Roll-up of {failure.metric.name} for {failure.use_case.name} queued again."
        )
    return _back(org, "rollups-failed")


@member_required(Perm.ADMINISTER)
@require_POST
def upload_requeue(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    upload = metrics_access.access_upload(request.membership, pk, perm=Perm.ADMINISTER)
    try:
        metrics_services.csv_upload_requeue(actor=request.user, upload=upload)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{upload.filename} queued again; it resumes where it stopped.")
    return _back(org, "uploads")


@member_required(Perm.ADMINISTER)
@require_POST
def delivery_retry(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    delivery = webhooks_access.access_delivery(request.membership, pk)
    try:
        webhooks_services.delivery_redeliver(actor=request.user, delivery=delivery)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{delivery.event} queued again for {delivery.endpoint}.")
    return _back(org, "deliveries")
