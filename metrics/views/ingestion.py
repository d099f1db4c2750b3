"""Pages for getting data in: API tokens (org admins) and CSV uploads (program managers and
org admins), with a progress bar that htmx refreshes every second while a file is processed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from metrics import selectors, services
from metrics.access import access_api_token, access_upload
from metrics.forms import ApiTokenForm, CsvUploadForm
from metrics.ingestion.uploads import REPORT_COLUMNS, max_bytes, max_rows
from metrics.ingestion.validation import FIELDS
from metrics.models import ApiToken
from metrics.views.common import page_context
from readiness import access
from readiness.models import Perm
from readiness.views.common import AuthedRequest, add_errors, error_messages, member_required

# --- API tokens ---------------------------------------------------------------------------------


@member_required(Perm.ADMINISTER)
def token_list(request: AuthedRequest, org: str) -> HttpResponse:
    """Org admins list, create and revoke tokens. A new token is shown once, on this answer to
    the POST that created it (never stored in the session, never shown again)."""
    membership = request.membership
    organization = membership.organization
    use_cases = selectors.use_cases_by_name(organization)
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
    context = page_context(
        membership,
        form=form,
        name_fields=[form["name"]],
        tokens=selectors.api_tokens(organization),
        created_token=created[0] if created else None,
        secret=created[1] if created else None,
        example_use_case=selectors.example_use_case(organization, created[0] if created else None),
        ingest_url=request.build_absolute_uri(reverse("api-metric-samples")),
    )
    response = render(request, "metrics/tokens.html", context, status=status)
    if created:
        response["Cache-Control"] = "no-store"  # the secret must not linger in any cache
    return response


@member_required(Perm.ADMINISTER)
@require_POST
def token_revoke(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    token = access_api_token(request.membership, pk)
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


@member_required()
def upload(request: AuthedRequest, org: str) -> HttpResponse:
    """Upload a CSV of samples (program managers and org admins); everyone sees past uploads."""
    membership = request.membership
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.require(membership, Perm.EDIT)
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
    organization = membership.organization
    return render(
        request,
        "metrics/upload.html",
        page_context(
            membership,
            form=form,
            uploads=selectors.recent_uploads(organization),
            can_upload=membership.can_edit_use_cases,
            columns=FIELDS,
            metrics=selectors.builtin_metrics(),
            example_use_case=selectors.example_use_case(organization),
            max_mb=max_bytes() // (1024 * 1024),
            max_rows=max_rows(),
        ),
        status=400 if form.is_bound else 200,
    )


@member_required()
def upload_detail(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """An upload's progress. htmx polls this every second for the status partial alone."""
    membership = request.membership
    item = access_upload(membership, pk)
    context = page_context(membership, upload=item, can_upload=membership.can_edit_use_cases)
    if request.htmx:
        return render(request, "metrics/partials/upload_status.html", context)
    return render(request, "metrics/upload_detail.html", context)


@member_required()
def upload_rejected(request: AuthedRequest, org: str, pk: int) -> HttpResponse:
    """The rejected rows of an upload with their reasons, as CSV (uploaders' roles only)."""
    item = access_upload(request.membership, pk, perm=Perm.EDIT)
    report = selectors.rejected_report(item)
    response = HttpResponse(
        ",".join(REPORT_COLUMNS) + "\r\n" + report, content_type="text/csv; charset=utf-8"
    )
    stem = item.filename.rsplit(".", 1)[0] or "upload"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}-rejected.csv"'
    return response
