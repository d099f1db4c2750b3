"""Pages for getting data in: API tokens (org admins) and CSV uploads (program managers and
org admins), with a progress bar that htmx refreshes every second while a file is processed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from metrics import services
from metrics.access import ADMIN, access_api_token, access_upload
from metrics.forms_ingest import ApiTokenForm, CsvUploadForm
from metrics.ingest import FIELDS
from metrics.models import ApiToken, CsvUpload, MetricDefinition
from metrics.services.uploads import REPORT_COLUMNS
from readiness import access
from readiness.models import Membership, UseCase
from readiness.views.common import AuthedRequest, add_errors, error_messages

RECENT_UPLOADS = 20


def _base(membership: Membership) -> dict[str, object]:
    return {
        "membership": membership,
        "organization": membership.organization,
        "org": membership.organization.slug,
        "nav": "metrics",
    }


# --- API tokens ---------------------------------------------------------------------------------


@login_required
def token_list(request: AuthedRequest, org: str) -> HttpResponse:
    """Org admins list, create and revoke tokens. A new token is shown once, on this answer to
    the POST that created it (never stored in the session, never shown again)."""
    membership = access.membership_for(request.user, org, predicate=ADMIN)
    organization = membership.organization
    use_cases = UseCase.objects.filter(organization=organization).order_by("name")
    form = ApiTokenForm(request.POST or None, use_cases=use_cases)
    created: tuple[ApiToken, str] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.api_token_create(
                    actor=request.user,
                    organization=organization,
                    name=form.cleaned_data["name"],
                    use_case_ids=[uc.pk for uc in form.cleaned_data["use_cases"]],
                )
            except ValidationError as exc:
                add_errors(form, exc)
                status = 400
            else:
                form = ApiTokenForm(use_cases=use_cases)
                status = 201
        else:
            status = 400
    tokens = (
        ApiToken.objects.filter(organization=organization)
        .select_related("created_by", "revoked_by")
        .prefetch_related("use_cases")
        .order_by("revoked_at", "-created_at", "-id")
    )
    example_use_case = (
        created[0].use_cases.order_by("name").first() if created else None
    ) or use_cases.first()
    context = {
        **_base(membership),
        "form": form,
        "name_fields": [form["name"]],
        "tokens": tokens,
        "created_token": created[0] if created else None,
        "secret": created[1] if created else None,
        "example_use_case": example_use_case,
        "ingest_url": request.build_absolute_uri(reverse("api-metric-samples")),
    }
    response = render(request, "metrics/tokens.html", context, status=status)
    if created:
        response["Cache-Control"] = "no-store"  # the secret must not linger in any cache
    return response


@login_required
@require_POST
def token_revoke(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    _, token = access_api_token(request.user, pk, org_slug=org)
    try:
        services.api_token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, f"Token “{token.name}” revoked: requests sending it are now refused."
        )
    return redirect("api_token_list", org=org)


# --- CSV upload -----------------------------------------------------------------------------------


@login_required
def upload(request: AuthedRequest, org: str) -> HttpResponse:
    """Upload a CSV of samples (program managers and org admins); everyone sees past uploads."""
    membership = access.membership_for(request.user, org)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.membership_for(request.user, org, predicate=access.WRITE)
        if form.is_valid():
            try:
                created = services.csv_upload_create(
                    actor=request.user,
                    organization=membership.organization,
                    file=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{created.filename} uploaded: processing has started.")
                return redirect(created.get_absolute_url())
    uploads = (
        CsvUpload.objects.filter(organization=membership.organization)
        .select_related("uploaded_by", "organization")
        .defer("content", "rejected_report")
        .order_by("-created_at", "-id")[:RECENT_UPLOADS]
    )
    metrics = MetricDefinition.objects.filter(organization__isnull=True).order_by("level", "name")
    return render(
        request,
        "metrics/upload.html",
        {
            **_base(membership),
            "form": form,
            "uploads": uploads,
            "can_upload": membership.can_edit_use_cases,
            "columns": FIELDS,
            "metrics": metrics,
            "example_use_case": UseCase.objects.filter(organization=membership.organization)
            .order_by("name")
            .first(),
            "max_mb": settings.METRICS_UPLOAD_MAX_BYTES // (1024 * 1024),
            "max_rows": settings.METRICS_UPLOAD_MAX_ROWS,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def upload_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """An upload's progress. htmx polls this every second for the status partial alone."""
    membership, item = access_upload(request.user, pk, org_slug=org)
    context = {**_base(membership), "upload": item, "can_upload": membership.can_edit_use_cases}
    if request.htmx:
        return render(request, "metrics/partials/upload_status.html", context)
    return render(request, "metrics/upload_detail.html", context)


@login_required
def upload_rejected(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The rejected rows of an upload with their reasons, as CSV (uploaders' roles only)."""
    _, item = access_upload(request.user, pk, org_slug=org, predicate=access.WRITE)
    report = (
        CsvUpload.objects.filter(pk=item.pk).values_list("rejected_report", flat=True).first()
    ) or ""
    response = HttpResponse(
        ",".join(REPORT_COLUMNS) + "\r\n" + report, content_type="text/csv; charset=utf-8"
    )
    stem = item.filename.rsplit(".", 1)[0] or "upload"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}-rejected.csv"'
    return response
